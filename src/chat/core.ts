/**
 * The chat core: one ChatEvent in, Outgoing messages queued in the outbox, in one transaction.
 * Routing: commands → features; button presses → dialog options or feature actions; replies to
 * the bot's messages → the flow that message belongs to; other text → the sender's open dialog.
 */
import type { Db } from '../db';
import { dbErrorKind } from '../db/errors';
import type { Profile } from '../domain/profile';
import { recordProcessed } from '../inbound/store';
import type { StoredEventSink } from '../inbound/worker';
import { fold, normalizeMessage } from '../domain/text';
import { botMessageContext } from '../store/bot-messages';
import { linkWithUnit } from '../store/chats';
import { enqueue } from '../outbox/store';
import { personForSender, rememberPrivateChat } from '../store/people';
import { grantRole } from '../store/grants';
import { getUnit } from '../store/units';
import { Ctx, type CoreServices, type DialogState } from './context';
import type { Command, Feature, Flow } from './feature';
import { anyone } from '../app/access/policies';
import { authorize, resolveUnit, unitNamedBy } from './scope';
import { translator, type Locale } from '../i18n';
import type { ButtonEvent, ChatEvent, EventSink, MessageEvent, NonTextEvent } from './types';

export interface CoreOptions extends CoreServices {
  features: Feature[];
  /** "platform:userId" of the first admins, from configuration */
  adminIds?: string[];
  /** called after messages were queued, to wake the outbox drainer */
  onQueued?: () => void;
  /** called once per event with how long it took (metrics) */
  onHandled?: (platform: string, seconds: number, outcome: 'ok' | 'duplicate' | 'error') => void;
}

export class ChatCore implements EventSink, StoredEventSink {
  private readonly commands = new Map<string, Command>();
  private readonly flows = new Map<string, Flow>();
  private readonly actions = new Map<string, (ctx: Ctx, payload: string) => Promise<void>>();
  private readonly replies = new Map<string, NonNullable<Feature['replies']>[string]>();

  constructor(private readonly opts: CoreOptions) {
    for (const f of opts.features) {
      for (const c of f.commands ?? []) for (const n of c.names) this.commands.set(n, c);
      for (const [k, v] of Object.entries(f.flows ?? {})) this.flows.set(k, v);
      for (const [k, v] of Object.entries(f.actions ?? {})) this.actions.set(k, v);
      for (const [k, v] of Object.entries(f.replies ?? {})) this.replies.set(k, v);
    }
    // a private-chat command that needed a unit continues once the person has chosen one
    this.flows.set('choose-unit', {
      onOption: async (ctx, state, value) => {
        await ctx.endDialog();
        const unit = await getUnit(ctx.db, Number(value));
        const cmd = this.commands.get(String(state.data.cmd));
        if (!unit || !cmd) return;
        ctx.useUnit(unit);
        await this.runCommand(ctx, cmd, String(state.data.cmd), String(state.data.args ?? ''), String(state.data.body ?? ''));
      },
      // the unit's name or code typed instead of a number (every unit, also beyond the listed ones)
      onText: async (ctx, state, text) => {
        const unit = await unitNamedBy(ctx, text);
        const cmd = this.commands.get(String(state.data.cmd));
        if (!unit) {
          ctx.reply(ctx.t('common:choose_unit_unknown', { text: text.trim(), max: state.options?.length ?? 0 }));
          return;
        }
        await ctx.endDialog();
        if (!cmd) return;
        ctx.useUnit(unit);
        await this.runCommand(ctx, cmd, String(state.data.cmd), String(state.data.args ?? ''), String(state.data.body ?? ''));
      },
    });
  }

  commandNames(): string[] {
    return [...this.commands.keys()];
  }

  async handle(event: ChatEvent): Promise<void> {
    const { db, clock } = this.opts;
    // one child logger per event: ids and kinds only, never names or text
    const log = this.opts.log.child({ platform: event.platform, eventId: event.eventId, eventType: event.type, chatKind: event.chat.kind });
    const started = process.hrtime.bigint();
    const now = clock.now();
    let queued = 0;
    let outcome: 'ok' | 'duplicate' | 'error' = 'ok';
    try {
      await db.transaction().execute(async (trx) => {
        if (!(await recordProcessed(trx, event.platform, event.eventId, event.chat.id, now))) {
          outcome = 'duplicate';
          return;
        }
        queued = await this.apply(trx, event, now, log);
      });
      log.debug({ outcome, queued }, 'event handled');
    } catch (e) {
      outcome = 'error';
      log.error({ err: e }, 'event handling failed');
      const t = translator(this.opts.defaultLocale);
      await enqueue(db, [{ chat: { platform: event.platform, id: event.chat.id }, text: t('common:error') }], now);
      queued = 1;
    }
    if (queued > 0) this.opts.onQueued?.();
    this.opts.onHandled?.(event.platform, Number(process.hrtime.bigint() - started) / 1e9, outcome);
  }

  /**
   * The events of one stored update (src/inbound), in one transaction that starts by marking the
   * stored row done (`finish`), so the row and the effects commit together or not at all. An
   * unavailable database is thrown (the worker retries later); so is a conflict with a concurrent
   * transaction when `conflictsThrow`; any other failure is logged and apologised for, and the row
   * is marked done with the apology.
   */
  async handleStored(events: ChatEvent[], finish: (trx: Db) => Promise<boolean>, opts: { conflictsThrow?: boolean } = {}): Promise<void> {
    const { db, clock } = this.opts;
    const first = events[0];
    // one child logger per stored update: ids and kinds only, never names or text
    const log = first ? this.opts.log.child({ platform: first.platform, eventId: first.eventId, eventType: first.type, chatKind: first.chat.kind }) : this.opts.log;
    const started = process.hrtime.bigint();
    const now = clock.now();
    let queued = 0;
    let outcome: 'ok' | 'duplicate' | 'error' = 'ok';
    try {
      await db.transaction().execute(async (trx) => {
        if (!(await finish(trx))) {
          outcome = 'duplicate';
          return;
        }
        for (const event of events) queued += await this.apply(trx, event, now, log);
      });
      log.debug({ outcome, queued }, 'event handled');
    } catch (e) {
      const kind = dbErrorKind(e);
      if (kind === 'unavailable' || (kind === 'conflict' && opts.conflictsThrow)) throw e;
      outcome = 'error';
      log.error({ err: e }, 'event handling failed');
      queued = 0;
      await db.transaction().execute(async (trx) => {
        if (!(await finish(trx)) || !first) return;
        const t = translator(this.opts.defaultLocale);
        await enqueue(trx, [{ chat: { platform: first.platform, id: first.chat.id }, text: t('common:error') }], now);
        queued = 1;
      });
    }
    if (queued > 0) this.opts.onQueued?.();
    if (first) this.opts.onHandled?.(first.platform, Number(process.hrtime.bigint() - started) / 1e9, outcome);
  }

  /** Routes one event inside the transaction and queues its answers; the number queued. */
  private async apply(trx: Db, event: ChatEvent, now: Date, log: CoreServices['log']): Promise<number> {
    const ctx = await this.context(trx, event, now, log);
    await this.route(ctx);
    await enqueue(trx, ctx.out, now);
    return ctx.out.length;
  }

  private async context(trx: CoreServices['db'], event: ChatEvent, now: Date, log: CoreServices['log']): Promise<Ctx> {
    const svc = { ...this.opts, db: trx, log };
    const linked = await linkWithUnit(trx, event.platform, event.chat.id);
    const sender = 'sender' in event ? event.sender : undefined;
    let person, identity;
    if (sender) {
      ({ person, identity } = await personForSender(trx, event.platform, sender.id, sender.displayName, now));
      if (event.chat.kind === 'private' && identity.privateChatId !== event.chat.id) {
        await rememberPrivateChat(trx, event.platform, sender.id, event.chat.id);
      }
      if (this.opts.adminIds?.includes(`${event.platform}:${sender.id}`)) {
        await grantRole(trx, { personId: person.id, role: 'admin', unitId: null, grantedBy: null }, now);
      }
    }
    const locale = pickLocale(person?.locale, linked ? this.opts.profile(linked.unit.profile) : undefined, this.opts.defaultLocale);
    return new Ctx(svc, trx, event, now, person, identity, locale, linked?.link, linked?.unit);
  }

  private async route(ctx: Ctx): Promise<void> {
    const e = ctx.event;
    switch (e.type) {
      case 'message':
        return this.onMessage(ctx, e);
      case 'button':
        return this.onButton(ctx, e);
      case 'non_text':
        return this.onNonText(ctx, e);
      default: {
        for (const f of this.opts.features) await f.events?.[e.type]?.(ctx, e);
      }
    }
  }

  private async onMessage(ctx: Ctx, e: MessageEvent): Promise<void> {
    // CRLF, no-break spaces and zero-width characters, once: a "/baocao\r\n…" is a command like any other
    const text = normalizeMessage(e.text).replace(/^\s*@[^/\n]*?\s+(?=\/)/, '').trim();
    if (text.startsWith('/')) {
      const nl = text.indexOf('\n');
      const first = nl < 0 ? text : text.slice(0, nl);
      const body = nl < 0 ? '' : text.slice(nl + 1);
      const m = /^\/([A-Za-z0-9_]+)(?:@\S+)?\s*(.*)$/.exec(first);
      const cmd = m && this.commands.get(m[1]!.toLowerCase());
      if (cmd) {
        return this.runCommand(ctx, cmd, m[1]!.toLowerCase(), (m[2] ?? '').trim(), body);
      }
      if (!ctx.isGroup || e.replyToMessageId) ctx.reply(ctx.t('common:unknown_command'));
      return;
    }
    if (e.replyToMessageId) {
      const rc = await botMessageContext(ctx.db, e.platform, e.chat.id, e.replyToMessageId);
      if (rc && rc.flow !== 'dialog') {
        const handler = this.replies.get(rc.flow);
        if (handler) return handler(ctx, rc, text);
      }
      if (rc?.flow === 'dialog' && rc.userId && rc.userId !== e.sender.id) {
        ctx.reply(ctx.t('common:not_your_dialog'));
        return;
      }
    }
    const { state, expired } = await ctx.dialogState();
    if (state) return this.continueDialog(ctx, state, text);
    // an answer to a question that expired is refused, not applied (in a group only what answers it)
    if (expired && (!ctx.isGroup || e.replyToMessageId || matchOption(expired, text))) {
      ctx.reply(ctx.t('common:dialog_expired'));
      return;
    }
    if (!ctx.isGroup) {
      for (const f of this.opts.features) if (f.privateText && (await f.privateText(ctx, text))) return;
      ctx.reply(ctx.t('common:help_hint'));
    }
  }

  /** The command's declared rule, checked where it applies, then the command itself. */
  private async runCommand(ctx: Ctx, cmd: Command, name: string, args: string, body: string): Promise<void> {
    const at = typeof cmd.at === 'function' ? cmd.at(args) : (cmd.at ?? 'unit');
    if (at === 'unit') {
      const unit = await resolveUnit(ctx, { cmd: name, args, body });
      if (!unit || (cmd.allow !== anyone && !(await authorize(ctx, unit, cmd.allow)))) return;
    }
    return cmd.run(ctx, args, body);
  }

  private async continueDialog(ctx: Ctx, state: DialogState, text: string): Promise<void> {
    const flow = this.flows.get(state.flow);
    if (!flow) return ctx.endDialog();
    const f = fold(text);
    if (['huy', 'thoat', 'cancel', 'stop'].includes(f)) {
      await ctx.endDialog();
      ctx.reply(ctx.t('common:cancelled'));
      return;
    }
    if (state.options?.length) {
      const chosen = matchOption(state, text);
      if (chosen && flow.onOption) return flow.onOption(ctx, state, chosen);
      if (!flow.onText) {
        ctx.reply(ctx.t('common:answer_with_number', { max: state.options.length }));
        return;
      }
    }
    if (flow.onText) return flow.onText(ctx, state, text);
  }

  private async onButton(ctx: Ctx, e: ButtonEvent): Promise<void> {
    const i = e.data.indexOf(':');
    const prefix = i < 0 ? e.data : e.data.slice(0, i);
    const payload = i < 0 ? '' : e.data.slice(i + 1);
    if (prefix === 'dlg') {
      const { state, expired } = await ctx.dialogState();
      if (expired) {
        ctx.reply(ctx.t('common:dialog_expired'));
        return;
      }
      const flow = state && this.flows.get(state.flow);
      if (!state || !flow?.onOption || !state.options?.some((o) => o.value === payload)) {
        ctx.reply(ctx.t('common:button_expired'));
        return;
      }
      return flow.onOption(ctx, state, payload);
    }
    const action = this.actions.get(prefix);
    if (action) return action(ctx, payload);
    ctx.reply(ctx.t('common:button_expired'));
  }

  private async onNonText(ctx: Ctx, e: NonTextEvent): Promise<void> {
    // a sticker or a photo without caption: answer only where the person was talking to the bot
    if (!ctx.isGroup || e.replyToMessageId) ctx.reply(ctx.t('common:non_text'));
  }
}

function pickLocale(personLocale: string | null | undefined, profile: Profile | undefined, fallback: Locale): Locale {
  if (personLocale === 'vi' || personLocale === 'en') return personLocale;
  return profile?.locale ?? fallback;
}

const YES = ['ok', 'oke', 'okay', 'dong y', 'xac nhan', 'yes', 'y', 'co', 'dung', 'luu', 'gui'];

/** A numbered answer, the option's label, or one of its words. */
export function matchOption(state: DialogState, text: string): string | undefined {
  const options = state.options ?? [];
  const f = fold(text);
  const n = /^(\d{1,2})$/.exec(f);
  if (n) return options[Number(n[1]) - 1]?.value;
  for (const o of options) {
    if (fold(o.label) === f) return o.value;
    if (o.words?.some((w) => fold(w) === f)) return o.value;
  }
  const yes = options.find((o) => o.words?.includes('ok'));
  if (yes && YES.includes(f)) return yes.value;
  return undefined;
}
