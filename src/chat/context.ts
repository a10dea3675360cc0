/**
 * Everything a handler needs for one inbound event: who, where, in which language, the linked
 * unit and its profile, and the messages to queue. Handlers never talk to a platform.
 */
import type { Db } from '../db';
import type { ChatLink, Person, Unit } from '../db/schema';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { Profile } from '../domain/profile';
import type { DeliveryPolicy } from '../app/delivery';
import type { Identity } from '../store/people';
import { clearDialog, loadDialog, saveDialog } from '../store/dialogs';
import { translator, type Locale, type T } from '../i18n';
import { CAPABILITIES, type Button, type Capabilities, type ChatEvent, type ChatRef, type Mention, type Outgoing, type ReplyContext } from './types';

export interface Option {
  label: string;
  /** what choosing it means to the flow */
  value: string;
  /** extra words that choose it in a text answer ("ok", "đồng ý") */
  words?: string[];
}

export interface DialogState {
  /** the shape's version: a state saved by another version of the bot is not continued */
  v?: number;
  flow: string;
  data: Record<string, unknown>;
  options?: Option[];
  updatedAt: string;
  /** the unit the chat was linked to when asked (null: none); a re-linked group drops the question */
  linkedUnitId?: number | null;
}

/** Bump when DialogState or a flow's `data` changes shape: older questions then expire. */
export const DIALOG_VERSION = 2;
/** A question (its buttons, numbered answers, replies) is answered within this time, or asked again. */
export const DIALOG_TTL_MS = 24 * 3_600_000;

/** Why a stored question can no longer be answered, or undefined while it can. */
export function dialogExpiry(state: DialogState, now: Date, linkedUnitId: number | null): 'version' | 'age' | 'context' | undefined {
  if (state.v !== DIALOG_VERSION) return 'version';
  const at = Date.parse(state.updatedAt);
  if (!Number.isFinite(at) || now.getTime() - at > DIALOG_TTL_MS) return 'age';
  if ((state.linkedUnitId ?? null) !== linkedUnitId) return 'context';
  return undefined;
}

export interface CoreServices {
  db: Db;
  clock: Clock;
  log: Logger;
  profile(id: string): Profile;
  defaultLocale: Locale;
  /** where units' messages go (ZALO_GROUPS=off: no Zalo groups), see app/delivery */
  delivery?: DeliveryPolicy;
  /** links that open a private chat with the bot, per platform (ZALO_BOT_LINK) */
  botLinks?: Partial<Record<string, string>>;
}

export interface SendOptions {
  buttons?: Option[][];
  mentions?: Mention[];
  context?: ReplyContext;
  replyToMessageId?: string;
  /** the answer is free text (see Outgoing.expectReply) */
  expectReply?: boolean;
  /** a hint line for platforms where the bot only sees replies ("trả lời tin nhắn này để …") */
  replyHint?: string;
}

export class Ctx {
  readonly out: Outgoing[] = [];
  readonly t: T;
  readonly caps: Capabilities;

  constructor(
    readonly svc: CoreServices,
    readonly db: Db,
    readonly event: ChatEvent,
    readonly now: Date,
    readonly person: Person | undefined,
    readonly identity: Identity | undefined,
    readonly locale: Locale,
    readonly link: ChatLink | undefined,
    private linkedUnit: Unit | undefined,
  ) {
    this.t = translator(locale);
    this.caps = CAPABILITIES[event.platform];
  }

  get chat(): ChatRef {
    return { platform: this.event.platform, id: this.event.chat.id };
  }

  get isGroup(): boolean {
    return this.event.chat.kind === 'group';
  }

  get userId(): string | undefined {
    return 'sender' in this.event && this.event.sender ? this.event.sender.id : undefined;
  }

  /** the group's linked unit, or the unit chosen in a private chat */
  get unit(): Unit | undefined {
    return this.linkedUnit;
  }

  useUnit(unit: Unit): Unit {
    this.linkedUnit = unit;
    return unit;
  }

  get profile(): Profile | undefined {
    return this.unit ? this.svc.profile(this.unit.profile) : undefined;
  }

  /** Queue a message to this chat. */
  reply(text: string, opts: SendOptions = {}): void {
    this.send(this.chat, text, opts);
  }

  /** Queue a message to any chat, shaped to what its platform can show. */
  send(chat: ChatRef, text: string, opts: SendOptions = {}): void {
    const caps = CAPABILITIES[chat.platform];
    let body = text;
    let buttons: Button[][] | undefined;
    if (opts.buttons && opts.buttons.length > 0) {
      if (caps.buttons) {
        buttons = opts.buttons.map((row) => row.map((o) => ({ label: o.label, data: o.value })));
      } else {
        // no buttons on this platform: numbered answers, which every platform also accepts
        const flat = opts.buttons.flat();
        body += '\n\n' + flat.map((o, i) => `${i + 1}. ${o.label}`).join('\n');
        body += '\n' + this.t('common:answer_with_number', { max: flat.length });
      }
    }
    // the bot sees every message of a private chat: the reply hint is for groups only
    const here = chat.platform === this.chat.platform && chat.id === this.chat.id;
    if (opts.replyHint && caps.groupNeedsReply && !(here && !this.isGroup)) body += `\n↩️ ${opts.replyHint}`;
    this.out.push({
      chat,
      text: body,
      ...(buttons ? { buttons } : {}),
      ...(caps.mentions && opts.mentions?.length ? { mentions: opts.mentions } : {}),
      ...(opts.replyToMessageId ? { replyToMessageId: opts.replyToMessageId } : {}),
      ...(opts.expectReply ? { expectReply: true } : {}),
      ...(opts.context ? { context: opts.context } : {}),
    });
  }

  /** Ask a question whose answer continues `flow` (buttons, numbers or a reply). */
  async ask(text: string, flow: string, data: Record<string, unknown>, options?: Option[], hint?: string): Promise<void> {
    const user = this.userId;
    if (!user) return;
    await saveDialog(this.db, this.chat.platform, this.chat.id, user, {
      v: DIALOG_VERSION,
      flow,
      data,
      options,
      updatedAt: this.now.toISOString(),
      linkedUnitId: this.link?.unit_id ?? null,
    } satisfies DialogState, this.now);
    // in a group, answer the asker's message: it shows whom the question is for, and Telegram's
    // force_reply (selective) then opens the reply for that person only
    const messageId = this.isGroup && this.event.type === 'message' ? this.event.messageId : undefined;
    this.reply(text, {
      buttons: options ? options.map((o) => [{ ...o, value: `dlg:${o.value}` }]) : undefined,
      context: { flow: 'dialog', userId: user },
      replyHint: hint ?? this.t('common:reply_hint_answer'),
      ...(options ? {} : { expectReply: true }),
      ...(messageId ? { replyToMessageId: messageId } : {}),
    });
  }

  /** The sender's open question, if it can still be answered. */
  async dialog(): Promise<DialogState | undefined> {
    return (await this.dialogState()).state;
  }

  /**
   * The sender's open question (`state`), or the one that expired (`expired`: older than
   * DIALOG_TTL_MS, saved by another version, or the chat's link changed), which is removed.
   */
  async dialogState(): Promise<{ state?: DialogState; expired?: DialogState }> {
    const user = this.userId;
    if (!user) return {};
    const state = await loadDialog<DialogState>(this.db, this.chat.platform, this.chat.id, user);
    if (!state) return {};
    if (!dialogExpiry(state, this.now, this.link?.unit_id ?? null)) return { state };
    await clearDialog(this.db, this.chat.platform, this.chat.id, user);
    return { expired: state };
  }

  async endDialog(): Promise<void> {
    const user = this.userId;
    if (user) await clearDialog(this.db, this.chat.platform, this.chat.id, user);
  }
}
