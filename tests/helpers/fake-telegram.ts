/**
 * A fake Telegram Bot API server on 127.0.0.1 speaking the documented shapes
 * ({ok:true,result} / {ok:false,error_code,description,parameters}) for the methods the bot uses,
 * with helpers to push updates (or build them for a webhook) and to read what the bot sent.
 *
 *   const tg = await FakeTelegram.start();
 *   createTelegramAdapter({ token: tg.token, apiRoot: tg.apiRoot, … });
 *   tg.command(GROUP, ALICE, '/baocao');           // queued for getUpdates
 *   await tg.waitForSent(GROUP, 1);                 // what the bot sent to that chat
 */
import http from 'node:http';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Chat, ChatMember, Message, MessageEntity, Update, User, UserFromGetMe } from 'grammy/types';

export interface FakeChat {
  id: number;
  type: 'private' | 'group' | 'supergroup';
  title?: string;
}

export interface FakeUser {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
}

export interface ApiErrorSpec {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export interface SentMessage {
  chat_id: string;
  message_id: number;
  text: string;
  entities?: MessageEntity[];
  reply_markup?: { inline_keyboard: { text: string; callback_data?: string }[][] };
  /** a ForceReply markup, kept apart from inline keyboards */
  force_reply?: { force_reply: true; selective?: boolean };
  reply_parameters?: { message_id: number; allow_sending_without_reply?: boolean };
  reply_to_message_id?: number;
  edits: string[];
}

export interface Call {
  method: string;
  params: Record<string, unknown>;
}

export const TOO_MANY = (retryAfter = 1): ApiErrorSpec => ({
  error_code: 429,
  description: `Too Many Requests: retry after ${retryAfter}`,
  parameters: { retry_after: retryAfter },
});
export const KICKED: ApiErrorSpec = { error_code: 403, description: 'Forbidden: bot was kicked from the group chat' };
export const BLOCKED: ApiErrorSpec = { error_code: 403, description: 'Forbidden: bot was blocked by the user' };
export const CHAT_NOT_FOUND: ApiErrorSpec = { error_code: 400, description: 'Bad Request: chat not found' };
export const SERVER_ERROR: ApiErrorSpec = { error_code: 502, description: 'Bad Gateway' };

export function group(id: number, title: string): FakeChat {
  return { id, type: id <= -1_000_000_000_000 ? 'supergroup' : 'group', title };
}
export function privateChat(user: FakeUser): FakeChat {
  return { id: user.id, type: 'private' };
}

export class FakeTelegram {
  readonly token: string;
  readonly botInfo: UserFromGetMe;
  apiRoot = '';
  /** every API call, in order */
  readonly calls: Call[] = [];
  /** every message the bot sent, in order */
  readonly messages: SentMessage[] = [];
  webhook: { url: string; secret_token?: string; allowed_updates?: string[] } | undefined;
  commands: { commands: { command: string; description: string }[]; scope?: unknown; language_code?: string }[] = [];

  private server!: http.Server;
  private readonly events = new EventEmitter();
  private queue: Update[] = [];
  private nextUpdateId = 100;
  private nextMessageId = 1000;
  private clockSeconds = Math.floor(Date.UTC(2026, 0, 5, 2, 0, 0) / 1000); // a fixed, fake "now"
  private readonly failures = new Map<string, ApiErrorSpec[]>(); // method → errors for the next calls
  private readonly chatFailures = new Map<string, ApiErrorSpec>(); // chat id → error on every send
  private readonly members = new Map<string, ChatMember['status']>(); // "chat:user" → status
  private readonly waiting = new Set<() => void>();
  private dropNext = 0;

  private constructor(token: string, botInfo: UserFromGetMe) {
    this.token = token;
    this.botInfo = botInfo;
    this.events.setMaxListeners(100);
  }

  static async start(opts: { token?: string; username?: string } = {}): Promise<FakeTelegram> {
    const username = opts.username ?? 'cnscd_test_bot';
    const fake = new FakeTelegram(opts.token ?? '123456:TEST-token', {
      id: 7_000_000_001,
      is_bot: true,
      first_name: 'Trợ lý CNSCĐ',
      username,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    } as UserFromGetMe);
    fake.server = http.createServer((req, res) => void fake.serve(req, res));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    const { port } = fake.server.address() as AddressInfo;
    fake.apiRoot = `http://127.0.0.1:${port}`;
    return fake;
  }

  async close(): Promise<void> {
    for (const wake of this.waiting) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---------------------------------------------------------------- control

  /** The next `n` calls of `method` answer with `error` (e.g. TOO_MANY(1)). */
  failNext(method: string, n: number, error: ApiErrorSpec): void {
    const list = this.failures.get(method) ?? [];
    for (let i = 0; i < n; i++) list.push(error);
    this.failures.set(method, list);
  }

  /** Every send to this chat answers with `error` until cleared (undefined). */
  failChat(chatId: number | string, error: ApiErrorSpec | undefined): void {
    if (error) this.chatFailures.set(String(chatId), error);
    else this.chatFailures.delete(String(chatId));
  }

  /** The next `n` HTTP requests (any method) get their connection destroyed: a network error. */
  dropConnections(n: number): void {
    this.dropNext += n;
  }

  setMemberStatus(chatId: number, userId: number, status: ChatMember['status']): void {
    this.members.set(`${chatId}:${userId}`, status);
  }

  /** Fake time carried in updates' `date` (seconds). */
  setDate(d: Date): void {
    this.clockSeconds = Math.floor(d.getTime() / 1000);
  }

  // ---------------------------------------------------------------- reading

  sent(chatId?: number | string): SentMessage[] {
    return chatId === undefined ? this.messages : this.messages.filter((m) => m.chat_id === String(chatId));
  }

  callsOf(method: string): Call[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves once `check()` is true (re-checked after every API call and pushed update). */
  async waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    if (check()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off('change', onChange);
        reject(new Error(`FakeTelegram: timed out waiting for ${what}`));
      }, timeoutMs);
      const onChange = (): void => {
        if (check()) {
          clearTimeout(timer);
          this.events.off('change', onChange);
          resolve();
        }
      };
      this.events.on('change', onChange);
    });
  }

  async waitForSent(chatId: number | string, count: number, timeoutMs = 5000): Promise<SentMessage[]> {
    await this.waitFor(() => this.sent(chatId).length >= count, timeoutMs, `${count} message(s) to ${chatId}`);
    return this.sent(chatId);
  }

  async waitForCall(method: string, count = 1, timeoutMs = 5000): Promise<Call[]> {
    await this.waitFor(() => this.callsOf(method).length >= count, timeoutMs, `${count} ${method} call(s)`);
    return this.callsOf(method);
  }

  /** Updates still queued (not yet confirmed by a getUpdates offset). */
  pending(): Update[] {
    return [...this.queue];
  }

  // ---------------------------------------------------------------- updates

  /** Queues an update for getUpdates (assigning update_id when missing); returns it. */
  push(update: Omit<Update, 'update_id'> & { update_id?: number }): Update {
    const u = { ...update, update_id: update.update_id ?? this.nextUpdateId++ } as Update;
    this.queue.push(u);
    for (const wake of [...this.waiting]) wake();
    this.events.emit('change');
    return u;
  }

  /** Builds updates without queueing them (for webhook tests); same builders as below. */
  readonly build = {
    message: (chat: FakeChat, from: FakeUser, text: string, opts: { replyTo?: number; replyToFromBot?: boolean } = {}): Update =>
      this.withId({ message: this.messageObj(chat, from, text, opts) }),
    callback: (chat: FakeChat, from: FakeUser, messageId: number, data: string): Update =>
      this.withId({
        callback_query: {
          id: `cq${this.nextUpdateId}`,
          from: this.user(from),
          chat_instance: `ci${chat.id}`,
          data,
          message: { message_id: messageId, date: this.clockSeconds, chat: this.chat(chat), from: this.botInfo, text: '…' } as Message,
        },
      }),
    botAdded: (chat: FakeChat, by: FakeUser, opts: { admin?: boolean } = {}): Update =>
      this.withId({
        my_chat_member: {
          chat: this.chat(chat),
          from: this.user(by),
          date: this.clockSeconds,
          old_chat_member: { status: 'left', user: this.botInfo },
          new_chat_member: opts.admin
            ? ({ status: 'administrator', user: this.botInfo, can_be_edited: false, is_anonymous: false, can_manage_chat: true, can_delete_messages: true, can_manage_video_chats: false, can_restrict_members: true, can_promote_members: false, can_change_info: true, can_invite_users: true, can_post_stories: false, can_edit_stories: false, can_delete_stories: false } as unknown as ChatMember)
            : { status: 'member', user: this.botInfo },
        },
      }),
    botRemoved: (chat: FakeChat, by: FakeUser): Update =>
      this.withId({
        my_chat_member: {
          chat: this.chat(chat),
          from: this.user(by),
          date: this.clockSeconds,
          old_chat_member: { status: 'member', user: this.botInfo },
          new_chat_member: { status: 'kicked', user: this.botInfo, until_date: 0 },
        },
      }),
    memberJoined: (chat: FakeChat, member: FakeUser, by: FakeUser = member): Update =>
      this.withId({
        chat_member: {
          chat: this.chat(chat),
          from: this.user(by),
          date: this.clockSeconds,
          old_chat_member: { status: 'left', user: this.user(member) },
          new_chat_member: { status: 'member', user: this.user(member) },
        },
      }),
    memberLeft: (chat: FakeChat, member: FakeUser, by: FakeUser = member): Update =>
      this.withId({
        chat_member: {
          chat: this.chat(chat),
          from: this.user(by),
          date: this.clockSeconds,
          old_chat_member: { status: 'member', user: this.user(member) },
          new_chat_member: { status: 'left', user: this.user(member) },
        },
      }),
    titleChanged: (chat: FakeChat, by: FakeUser, title: string): Update =>
      this.withId({
        message: { message_id: this.nextMessageId++, date: this.clockSeconds, chat: { ...this.chat(chat), title } as Chat, from: this.user(by), new_chat_title: title } as Message,
      }),
    migrated: (chat: FakeChat, by: FakeUser, newChatId: number): Update =>
      this.withId({
        message: { message_id: this.nextMessageId++, date: this.clockSeconds, chat: this.chat(chat), from: this.user(by), migrate_to_chat_id: newChatId } as Message,
      }),
    sticker: (chat: FakeChat, from: FakeUser, opts: { replyTo?: number; replyToFromBot?: boolean } = {}): Update => {
      const m = this.messageObj(chat, from, '', opts) as Message & { text?: string };
      delete m.text;
      delete m.entities;
      return this.withId({ message: { ...m, sticker: { file_id: 'st1', file_unique_id: 'st1u', type: 'regular', width: 512, height: 512, is_animated: false, is_video: false } } as Message });
    },
  };

  message(chat: FakeChat, from: FakeUser, text: string, opts: { replyTo?: number; replyToFromBot?: boolean } = {}): Update {
    return this.push(this.build.message(chat, from, text, opts));
  }
  /** Same as message(); the text starts with "/" and gets a bot_command entity. */
  command(chat: FakeChat, from: FakeUser, text: string): Update {
    return this.message(chat, from, text);
  }
  /** Presses a button on one of the bot's messages (by the sent message's id). */
  callback(chat: FakeChat, from: FakeUser, messageId: number, data: string): Update {
    return this.push(this.build.callback(chat, from, messageId, data));
  }
  botAdded(chat: FakeChat, by: FakeUser, opts: { admin?: boolean } = {}): Update {
    return this.push(this.build.botAdded(chat, by, opts));
  }
  botRemoved(chat: FakeChat, by: FakeUser): Update {
    return this.push(this.build.botRemoved(chat, by));
  }
  memberJoined(chat: FakeChat, member: FakeUser, by?: FakeUser): Update {
    return this.push(this.build.memberJoined(chat, member, by));
  }
  memberLeft(chat: FakeChat, member: FakeUser, by?: FakeUser): Update {
    return this.push(this.build.memberLeft(chat, member, by));
  }
  titleChanged(chat: FakeChat, by: FakeUser, title: string): Update {
    return this.push(this.build.titleChanged(chat, by, title));
  }
  migrated(chat: FakeChat, by: FakeUser, newChatId: number): Update {
    return this.push(this.build.migrated(chat, by, newChatId));
  }

  private withId(u: object): Update {
    return { update_id: this.nextUpdateId++, ...u } as unknown as Update;
  }

  private user(u: FakeUser): User {
    return { is_bot: false, ...u };
  }

  private chat(c: FakeChat): Chat {
    return (c.type === 'private' ? { id: c.id, type: 'private', first_name: 'User' } : { id: c.id, type: c.type, title: c.title ?? 'Nhóm' }) as Chat;
  }

  private messageObj(chat: FakeChat, from: FakeUser, text: string, opts: { replyTo?: number; replyToFromBot?: boolean }): Message {
    const m = {
      message_id: this.nextMessageId++,
      date: this.clockSeconds,
      chat: this.chat(chat),
      from: this.user(from),
      text,
    } as Record<string, unknown>;
    const cmd = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
    if (cmd) m.entities = [{ type: 'bot_command', offset: 0, length: cmd[0].length }];
    if (opts.replyTo !== undefined) {
      const original = this.messages.find((s) => s.message_id === opts.replyTo);
      const fromBot = opts.replyToFromBot ?? original !== undefined;
      m.reply_to_message = {
        message_id: opts.replyTo,
        date: this.clockSeconds,
        chat: this.chat(chat),
        from: fromBot ? this.botInfo : { id: 5, is_bot: false, first_name: 'Khác' },
        text: original?.text ?? '…',
      };
    }
    return m as unknown as Message;
  }

  // ---------------------------------------------------------------- HTTP

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.dropNext > 0) {
      this.dropNext--;
      req.socket.destroy();
      return;
    }
    const m = /^\/bot([^/]+)\/([A-Za-z]+)/.exec(req.url ?? '');
    const body = await readBody(req);
    if (!m) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (m[1] !== this.token) return send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = m[2]!;
    let params: Record<string, unknown> = {};
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      for (const [k, v] of url.searchParams) params[k] = v;
      if (body.length > 0) {
        const type = req.headers['content-type'] ?? '';
        if (type.includes('json')) params = { ...params, ...(JSON.parse(body) as Record<string, unknown>) };
        else if (type.includes('x-www-form-urlencoded')) for (const [k, v] of new URLSearchParams(body)) params[k] = v;
      }
    } catch {
      return send(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON' });
    }
    this.calls.push({ method, params });
    this.events.emit('change');

    const planned = this.failures.get(method);
    if (planned && planned.length > 0) {
      const err = planned.shift()!;
      return send(res, err.error_code, { ok: false, ...err });
    }

    try {
      const result = await this.dispatch(method, params, res);
      if (result === undefined) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      if ('error' in result) return send(res, result.error.error_code, { ok: false, ...result.error });
      send(res, 200, { ok: true, result: result.ok });
    } finally {
      this.events.emit('change');
    }
  }

  private async dispatch(
    method: string,
    p: Record<string, unknown>,
    res: http.ServerResponse,
  ): Promise<{ ok: unknown } | { error: ApiErrorSpec } | undefined> {
    const bad = (description: string): { error: ApiErrorSpec } => ({ error: { error_code: 400, description: `Bad Request: ${description}` } });
    switch (method) {
      case 'getMe':
        return { ok: this.botInfo };
      case 'getUpdates':
        return this.getUpdates(p, res);
      case 'setWebhook': {
        if (typeof p.url !== 'string') return bad('bad webhook: url is required');
        this.webhook = {
          url: p.url,
          ...(typeof p.secret_token === 'string' ? { secret_token: p.secret_token } : {}),
          ...(Array.isArray(p.allowed_updates) ? { allowed_updates: p.allowed_updates as string[] } : {}),
        };
        return { ok: true };
      }
      case 'deleteWebhook':
        this.webhook = undefined;
        if (p.drop_pending_updates) this.queue = [];
        return { ok: true };
      case 'getWebhookInfo':
        return { ok: { url: this.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: this.queue.length, ...(this.webhook?.allowed_updates ? { allowed_updates: this.webhook.allowed_updates } : {}) } };
      case 'sendMessage': {
        const chatId = String(p.chat_id ?? '');
        if (!chatId) return bad('chat_id is empty');
        const failure = this.chatFailures.get(chatId);
        if (failure) return { error: failure };
        const text = typeof p.text === 'string' ? p.text : '';
        if (text.trim() === '') return bad('message text is empty');
        if (text.length > 4096) return bad('message is too long');
        const entities = p.entities as MessageEntity[] | undefined;
        for (const e of entities ?? []) {
          if (e.offset < 0 || e.length <= 0 || e.offset + e.length > text.length) return bad("can't parse entities");
          if (e.type === 'text_mention' && !(e as { user?: { id?: number } }).user?.id) return bad("can't parse entities");
        }
        const raw = p.reply_markup as (SentMessage['reply_markup'] & SentMessage['force_reply']) | undefined;
        const markup = raw && 'inline_keyboard' in raw ? (raw as SentMessage['reply_markup']) : undefined;
        const forceReply = raw && 'force_reply' in raw ? (raw as SentMessage['force_reply']) : undefined;
        for (const row of markup?.inline_keyboard ?? []) {
          for (const b of row) if (b.callback_data !== undefined && Buffer.byteLength(b.callback_data) > 64) return bad('BUTTON_DATA_INVALID');
        }
        const sent: SentMessage = { chat_id: chatId, message_id: this.nextMessageId++, text, edits: [] };
        if (entities) sent.entities = entities;
        if (markup) sent.reply_markup = markup;
        if (forceReply) sent.force_reply = forceReply;
        if (p.reply_parameters) sent.reply_parameters = p.reply_parameters as SentMessage['reply_parameters'];
        if (p.reply_to_message_id !== undefined) sent.reply_to_message_id = Number(p.reply_to_message_id);
        this.messages.push(sent);
        return { ok: this.messageResult(sent) };
      }
      case 'editMessageText': {
        const chatId = String(p.chat_id ?? '');
        const target = this.messages.find((s) => s.chat_id === chatId && s.message_id === Number(p.message_id));
        if (!target) return bad('message to edit not found');
        if (typeof p.text !== 'string' || p.text.trim() === '') return bad('message text is empty');
        if (p.text === target.text && p.reply_markup === undefined) return bad('message is not modified');
        target.edits.push(target.text);
        target.text = p.text;
        if (p.reply_markup) target.reply_markup = p.reply_markup as SentMessage['reply_markup'];
        else delete target.reply_markup;
        return { ok: this.messageResult(target) };
      }
      case 'answerCallbackQuery':
        if (typeof p.callback_query_id !== 'string') return bad('query id is invalid');
        return { ok: true };
      case 'setMyCommands': {
        const entry = { commands: p.commands as { command: string; description: string }[], ...(p.scope ? { scope: p.scope } : {}), ...(typeof p.language_code === 'string' ? { language_code: p.language_code } : {}) };
        this.commands = this.commands.filter((c) => JSON.stringify(c.scope) !== JSON.stringify(entry.scope) || c.language_code !== entry.language_code);
        this.commands.push(entry);
        return { ok: true };
      }
      case 'getMyCommands':
        return { ok: this.commands.find((c) => JSON.stringify(c.scope) === JSON.stringify(p.scope) && c.language_code === p.language_code)?.commands ?? [] };
      case 'deleteMyCommands':
        return { ok: true };
      case 'getChatMember': {
        const userId = Number(p.user_id);
        const status = this.members.get(`${String(p.chat_id)}:${userId}`) ?? 'member';
        const user = userId === this.botInfo.id ? this.botInfo : { id: userId, is_bot: false, first_name: 'Người dùng' };
        return { ok: { status, user, ...(status === 'administrator' ? { can_be_edited: false, is_anonymous: false, can_manage_chat: true } : {}) } };
      }
      case 'getChatAdministrators': {
        const prefix = `${String(p.chat_id)}:`;
        const admins = [...this.members.entries()]
          .filter(([k, s]) => k.startsWith(prefix) && (s === 'administrator' || s === 'creator'))
          .map(([k, status]) => {
            const id = Number(k.slice(prefix.length));
            return { status, user: id === this.botInfo.id ? this.botInfo : { id, is_bot: false, first_name: 'Người dùng' } };
          });
        return { ok: admins };
      }
      case 'setChatTitle':
        return { ok: true };
      default:
        return undefined;
    }
  }

  private messageResult(s: SentMessage): Message {
    const id = Number(s.chat_id);
    const chat = id > 0 ? { id, type: 'private', first_name: 'User' } : { id, type: id <= -1_000_000_000_000 ? 'supergroup' : 'group', title: 'Nhóm' };
    return {
      message_id: s.message_id,
      date: this.clockSeconds,
      chat,
      from: this.botInfo,
      text: s.text,
      ...(s.entities ? { entities: s.entities } : {}),
      ...(s.reply_markup ? { reply_markup: s.reply_markup } : {}),
    } as unknown as Message;
  }

  /** Long polling: confirm below `offset`, return what is queued, else hold up to `timeout` s. */
  private async getUpdates(p: Record<string, unknown>, res: http.ServerResponse): Promise<{ ok: unknown } | { error: ApiErrorSpec }> {
    if (this.webhook) {
      return { error: { error_code: 409, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" } };
    }
    const offset = Number(p.offset ?? 0);
    const limit = Math.min(Math.max(Number(p.limit ?? 100), 1), 100);
    const timeout = Math.max(Number(p.timeout ?? 0), 0);
    if (offset > 0) this.queue = this.queue.filter((u) => u.update_id >= offset);
    const take = (): Update[] => this.queue.filter((u) => u.update_id >= offset).slice(0, limit);
    let got = take();
    if (got.length === 0 && timeout > 0) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiting.delete(wake);
          res.off('close', wake);
          resolve();
        };
        const timer = setTimeout(wake, timeout * 1000);
        this.waiting.add(wake);
        res.on('close', wake); // the client gave up (bot.stop aborts its request)
      });
      got = take();
    }
    return { ok: got };
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
