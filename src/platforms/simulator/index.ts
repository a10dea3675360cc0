/**
 * The local web simulator: group and private chats in the browser, driving the same chat core and
 * store as the real platforms. Messages live in memory (the bot's state lives in the database).
 */
import express, { type Router } from 'express';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Db } from '../../db';
import type { Clock, OffsetClock } from '../../clock';
import type { EventSink, Outgoing, PlatformSender } from '../../chat/types';
import { projectPath } from '../../paths';
import { getLink, upsertLink } from '../../store/chats';
import { localInstant, localParts } from '../../domain/calendar';

export interface SimMessage {
  /** unique across restarts (the bot remembers its messages by id) */
  id: string;
  /** position in this process's log, for polling */
  seq: number;
  chatId: string;
  from: { id: string; name: string; bot: boolean };
  text: string;
  buttons?: { label: string; data: string }[][];
  replyTo?: string;
  at: string;
}

export interface SimChat {
  id: string;
  title: string;
  kind: 'group' | 'private';
  code?: string;
  unitId?: number;
}

export interface Simulator {
  sender: PlatformSender;
  router: Router;
  messages(chatId: string): SimMessage[];
  /** a user types into a chat (what the page does) */
  say(chatId: string, userId: string, text: string, replyTo?: string): Promise<SimMessage>;
  press(chatId: string, userId: string, messageId: string, data: string): Promise<void>;
  chats(): Promise<SimChat[]>;
  /** links every demo unit's simulator group that is not linked yet; returns how many */
  linkDemoGroups(): Promise<number>;
}

/** The people the page can act as, each with what they are (admin, officer of X, leader of Y…). */
async function people(db: Db): Promise<{ id: string; name: string; roles: string }[]> {
  const rows = await db
    .selectFrom('identities as i')
    .select(['i.external_id as id', 'i.display_name as name', 'i.person_id as personId'])
    .where('i.platform', '=', 'simulator')
    .orderBy('i.person_id')
    .execute();
  const grants = await db
    .selectFrom('role_grants as g')
    .leftJoin('units as u', 'u.id', 'g.unit_id')
    .select(['g.person_id as personId', 'g.role', 'u.name as unit'])
    .execute();
  const teams = await db
    .selectFrom('memberships as m')
    .innerJoin('teams as t', 't.id', 'm.team_id')
    .innerJoin('units as u', 'u.id', 't.unit_id')
    .select(['m.person_id as personId', 'm.role', 'u.name as unit'])
    .where('m.until', 'is', null)
    .execute();
  const ROLE: Record<string, string> = {
    admin: 'Quản trị viên', officer: 'Cán bộ', approver: 'Chủ tịch UBND (duyệt)', observer: 'Theo dõi',
    leader: 'Tổ trưởng', deputy: 'Tổ phó', member: 'Thành viên', collaborator: 'Cộng tác viên',
  };
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    roles: [...grants, ...teams]
      .filter((g) => g.personId === r.personId)
      .map((g) => `${ROLE[g.role] ?? g.role}${g.unit ? ' ' + g.unit : ''}`)
      .join(', '),
  }));
}

/** "2026-12-13T08:00" in the zone: what the page's clock field shows and what it accepts. */
function localWall(at: Date, tz: string): string {
  const p = localParts(at, tz);
  return `${p.isoDate}T${p.time}`;
}

/** The clock field's text: with an offset or Z that instant, else a local wall time in the zone. */
function readClock(text: string, tz: string): Date | undefined {
  const s = text.trim();
  try {
    if (/T.*([zZ]|[+-]\d{2}:?\d{2})$/.test(s)) {
      const d = new Date(s);
      return Number.isNaN(d.getTime()) ? undefined : d;
    }
    return localInstant(s.replace(' ', 'T'), tz);
  } catch {
    return undefined;
  }
}

export function createSimulator(deps: {
  sink: EventSink;
  db: Db;
  clock: Clock;
  offsetClock?: OffsetClock;
  idle?: () => Promise<void>;
  /** the zone the page's clock shows and reads (the bot's TZ_NAME) */
  tz?: string;
}): Simulator {
  const tz = deps.tz ?? 'Asia/Ho_Chi_Minh';
  const log = new Map<string, SimMessage[]>();
  let seq = 0;
  // event ids must stay unique across restarts: the core processes each id once, forever
  const run = randomUUID().slice(0, 8);
  const push = (m: Omit<SimMessage, 'id' | 'seq' | 'at'>): SimMessage => {
    const n = ++seq;
    const msg = { ...m, id: `${run}-${n}`, seq: n, at: deps.clock.now().toISOString() };
    const list = log.get(m.chatId) ?? [];
    list.push(msg);
    if (list.length > 500) list.shift();
    log.set(m.chatId, list);
    return msg;
  };
  const nameOf = async (userId: string) =>
    (
      await deps.db
        .selectFrom('identities')
        .select('display_name')
        .where('platform', '=', 'simulator')
        .where('external_id', '=', userId)
        .executeTakeFirst()
    )?.display_name ?? userId;

  /** One group chat per demo unit, in tree order, linked to its unit so reports work at once. */
  const chats = async (): Promise<SimChat[]> => {
    const units = await deps.db
      .selectFrom('units')
      .select(['id', 'name', 'path', 'code'])
      .where('code', 'like', 'demo:%')
      .where('active', '=', 1)
      .execute();
    const key = (p: string) => p.split('/').filter(Boolean).map((n) => n.padStart(10, '0')).join('/');
    units.sort((a, b) => key(a.path).localeCompare(key(b.path)));
    return units.map((u) => ({ id: `g${u.id}`, title: `Nhóm ${u.name}`, kind: 'group' as const, code: u.code ?? '', unitId: u.id }));
  };

  const linkDemoGroups = async (): Promise<number> => {
    let n = 0;
    for (const c of await chats()) {
      if (await getLink(deps.db, 'simulator', c.id)) continue;
      await upsertLink(deps.db, { platform: 'simulator', chatId: c.id, unitId: c.unitId!, teamId: null, title: c.title, linkedBy: null }, deps.clock.now());
      n++;
    }
    return n;
  };

  const sender: PlatformSender = {
    platform: 'simulator',
    limits: { perSecond: 1000 },
    async send(m: Outgoing) {
      const msg = push({
        chatId: m.chat.id,
        from: { id: 'bot', name: 'Bot CNSCĐ', bot: true },
        text: m.text,
        ...(m.buttons ? { buttons: m.buttons } : {}),
        ...(m.replyToMessageId ? { replyTo: m.replyToMessageId } : {}),
      });
      return { messageIds: [msg.id] };
    },
  };

  const kindOf = (chatId: string): 'group' | 'private' => (chatId.startsWith('dm-') ? 'private' : 'group');
  const titleOf = async (chatId: string) => (await chats()).find((c) => c.id === chatId)?.title;

  const say = async (chatId: string, userId: string, text: string, replyTo?: string) => {
    const name = await nameOf(userId);
    const msg = push({ chatId, from: { id: userId, name, bot: false }, text, ...(replyTo ? { replyTo } : {}) });
    const title = await titleOf(chatId);
    await deps.sink.handle({
      type: 'message',
      platform: 'simulator',
      eventId: `m${msg.id}`,
      chat: { id: chatId, kind: kindOf(chatId), ...(title ? { title } : {}) },
      sender: { id: userId, displayName: name },
      messageId: msg.id,
      text,
      ...(replyTo ? { replyToMessageId: replyTo } : {}),
      at: deps.clock.now(),
    });
    await deps.idle?.();
    return msg;
  };

  const press = async (chatId: string, userId: string, messageId: string, data: string) => {
    const title = await titleOf(chatId);
    await deps.sink.handle({
      type: 'button',
      platform: 'simulator',
      eventId: `${run}-b${++seq}`,
      chat: { id: chatId, kind: kindOf(chatId), ...(title ? { title } : {}) },
      sender: { id: userId, displayName: await nameOf(userId) },
      messageId,
      data,
      at: deps.clock.now(),
    });
    await deps.idle?.();
  };

  const router = express.Router();
  const page = fs.readFileSync(projectPath('src/platforms/simulator/page.html'), 'utf8');
  router.get('/', (_req, res) => {
    res.type('html').send(page);
  });
  router.get('/sim/api/state', async (_req, res) => {
    const now = deps.clock.now();
    res.json({ chats: await chats(), people: await people(deps.db), now: now.toISOString(), nowLocal: localWall(now, tz), tz });
  });
  router.get('/sim/api/chats/:id/messages', (req, res) => {
    const after = Number(req.query.after ?? 0);
    res.json((log.get(req.params.id) ?? []).filter((m) => m.seq > after));
  });
  router.post('/sim/api/chats/:id/messages', express.json({ limit: '64kb' }), async (req, res) => {
    const body = req.body as { userId?: unknown; text?: unknown; replyTo?: unknown };
    if (typeof body.userId !== 'string' || typeof body.text !== 'string' || !body.text.trim() || body.text.length > 8000) {
      res.status(400).json({ error: 'Cần userId và nội dung tin nhắn (tối đa 8.000 ký tự).' });
      return;
    }
    const msg = await say(req.params.id, body.userId, body.text, typeof body.replyTo === 'string' ? body.replyTo : undefined);
    res.json(msg);
  });
  router.post('/sim/api/chats/:id/press', express.json(), async (req, res) => {
    const body = req.body as { userId?: unknown; messageId?: unknown; data?: unknown };
    if (typeof body.userId !== 'string' || typeof body.messageId !== 'string' || typeof body.data !== 'string') {
      res.status(400).json({ error: 'Thiếu userId, messageId hoặc data.' });
      return;
    }
    await press(req.params.id, body.userId, body.messageId, body.data);
    res.json({ ok: true });
  });
  router.post('/sim/api/clock', express.json(), (req, res) => {
    const at = readClock(String((req.body as { at?: unknown }).at ?? ''), tz);
    if (!deps.offsetClock || !at) {
      res.status(400).json({ error: `Thời điểm không hợp lệ: ghi giờ địa phương (${tz}), ví dụ 2026-12-13T08:00.` });
      return;
    }
    deps.offsetClock.jumpTo(at);
    const now = deps.clock.now();
    res.json({ now: now.toISOString(), nowLocal: localWall(now, tz) });
  });

  return { sender, router, messages: (id) => log.get(id) ?? [], say, press, chats, linkDemoGroups };
}
