/**
 * The fault tests' shared scenario: demo units whose Telegram groups are linked, each group's
 * leader submitting reports round after round ("/baocao" with figures, then "đồng ý": a first
 * save, then amendments "bản sửa lần N" — an order that shows in the replies), and the checks that
 * nothing was lost, nothing doubled, and each chat's order kept.
 */
import type { Update } from 'grammy/types';
import { seedDemo } from '../../src/app/demo-seed';
import { loadConfig, type Config } from '../../src/config';
import type { Db } from '../../src/db';
import { migrateToLatest } from '../../src/db/migrate';
import { upsertLink } from '../../src/store/chats';
import { addIdentity } from '../../src/store/people';
import type { FakeChat, FakeTelegram, FakeUser } from '../helpers/fake-telegram';
import { zaloText, type FakeUpdate } from '../helpers/fake-zalo';
import { group } from '../helpers/fake-telegram';

export const PROFILE = 'two-tier-2025';
export const TG_SECRET = 'fault-secret_0123456789';

/** A bot in webhook mode on Telegram's fake, nothing else running (no scheduler, simulator or demo). */
export function webhookBotConfig(databaseUrl: string, tg: Pick<FakeTelegram, 'token' | 'apiRoot'>): Config {
  return loadConfig(
    {
      DATABASE_URL: databaseUrl,
      PORT: '0',
      DEMO_SEED: 'off',
      SCHEDULER: 'off',
      SIMULATOR: 'off',
      LOG_LEVEL: 'silent',
      PUBLIC_URL: 'https://bot.example.vn',
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
    },
    false,
  );
}
export const ZALO_SECRET = 'fault-zalo-secret-123';
export const ZALO_BOT = 'Bot CNS';

export interface Team {
  unitId: number;
  chat: FakeChat;
  leader: FakeUser;
}

/** A village group on Zalo and its leader. */
export interface ZaloTeam {
  unitId: number;
  chatId: string;
  leaderId: string;
}

/** Links `n` more village groups (after the first `skip`) on Zalo, with their leaders. */
export async function prepareZalo(db: Db, skip: number, n: number, now: Date): Promise<ZaloTeam[]> {
  const demo = await seedDemo(db, PROFILE, now);
  const teams: ZaloTeam[] = [];
  for (const [i, unitId] of demo.unitsByLevel.village!.slice(skip, skip + n).entries()) {
    const leader = demo.people.leader.find((p) => p.unitId === unitId)!;
    const leaderId = `zl-${i + 1}`;
    await addIdentity(db, { platform: 'zalo', externalId: leaderId, personId: leader.personId, displayName: leader.name }, now);
    const chatId = `zg-${i + 1}`;
    await upsertLink(db, { platform: 'zalo', chatId, unitId, teamId: null, title: `Nhóm thôn ${i + 1}`, linkedBy: null }, now);
    teams.push({ unitId, chatId, leaderId });
  }
  return teams;
}

let zaloMessageId = 0;
/** Round `r` of a Zalo team, as Zalo delivers group messages (the bot @mentioned for the command). */
export function zaloRound(t: ZaloTeam, r: number): FakeUpdate[] {
  const o = { chatId: t.chatId, chatType: 'GROUP' as const, fromId: t.leaderId, name: 'Trưởng thôn' };
  return [
    zaloText(`@${ZALO_BOT} /baocao\nho huong dan: ${r}\nnguoi huong dan: ${100 + r}`, { ...o, messageId: `zm-${++zaloMessageId}` }),
    zaloText('đồng ý', { ...o, messageId: `zm-${++zaloMessageId}` }),
  ];
}

/** Delivers a Zalo update to a webhook until it is answered 200 (as a platform that retries would). */
export async function deliverZalo(url: () => string, update: FakeUpdate, stats: { refused: number }, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-bot-api-secret-token': ZALO_SECRET },
        body: JSON.stringify(update),
        signal: AbortSignal.timeout(5000),
      });
      await r.text();
      if (r.status === 200) return;
    } catch {
      // refused or reset: the instance is down
    }
    stats.refused++;
    if (Date.now() > end) throw new Error(`zalo update was never accepted`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Migrates, seeds the demo province, links `n` village groups on Telegram with their leaders. */
export async function prepare(db: Db, n: number, now: Date): Promise<Team[]> {
  await migrateToLatest(db);
  const demo = await seedDemo(db, PROFILE, now);
  const villages = demo.unitsByLevel.village!.slice(0, n);
  const teams: Team[] = [];
  for (const [i, unitId] of villages.entries()) {
    const leader = demo.people.leader.find((p) => p.unitId === unitId)!;
    const user: FakeUser = { id: 50_000 + i, first_name: 'Trưởng', last_name: `thôn ${i + 1}` };
    await addIdentity(db, { platform: 'telegram', externalId: String(user.id), personId: leader.personId, displayName: leader.name }, now);
    const chat = group(-1_009_000_000_000 - i, `Tổ CNSCĐ thôn ${i + 1}`);
    await upsertLink(db, { platform: 'telegram', chatId: String(chat.id), unitId, teamId: null, title: chat.title ?? null, linkedBy: null }, now);
    teams.push({ unitId, chat, leader: user });
  }
  return teams;
}

/** Round `r` (1-based) of a team: the report with figures that name the round, then the confirmation. */
export function round(tg: FakeTelegram, t: Team, r: number): Update[] {
  return [
    tg.build.message(t.chat, t.leader, `/baocao\nho huong dan: ${r}\nnguoi huong dan: ${100 + r}`),
    tg.build.message(t.chat, t.leader, 'đồng ý'),
  ];
}

/** What the bot queued for each chat, in order (the outbox rows, whatever their send state). */
export async function queuedTexts(db: Db, chatId: string, platform = 'telegram'): Promise<string[]> {
  const rows = await db.selectFrom('outbox').select('payload').where('platform', '=', platform).where('chat_id', '=', chatId).orderBy('id').execute();
  return rows.map((r) => (JSON.parse(r.payload) as { text: string }).text);
}

/**
 * Checks one chat after `rounds` rounds: every update processed once (one preview and one
 * confirmation per round, in round order: saved, then amendments 2, 3, …), and the stored report
 * carries the last round's figures at version `rounds`.
 */
export async function checkTeam(db: Db, t: Team | ZaloTeam, rounds: number): Promise<{ lost: number; doubled: number; outOfOrder: number }> {
  const [chatId, platform] = 'chat' in t ? [String(t.chat.id), 'telegram'] : [t.chatId, 'zalo'];
  const saved = (await queuedTexts(db, chatId, platform)).filter((x) => /✅ Đã lưu/.test(x));
  const expected = expectedConfirmations(rounds);
  const outOfOrder = countOutOfOrder(saved, expected);
  const versions = await db.selectFrom('reports').select(['version', 'values']).where('unit_id', '=', t.unitId).orderBy('version').execute();
  return {
    lost: Math.max(0, rounds - saved.length) + Math.max(0, rounds - versions.length),
    doubled: Math.max(0, saved.length - rounds) + Math.max(0, versions.length - rounds),
    outOfOrder,
  };
}

/** Polls `check` every 50 ms until it holds, at most `timeoutMs`; fails naming `what`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every stored update processed. */
export async function allProcessed(db: Db): Promise<boolean> {
  const r = await db.selectFrom('inbound_updates').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '!=', 'done').executeTakeFirst();
  return Number(r?.n ?? 0) === 0;
}

/** Places where `texts` (first occurrences) do not match the expected sequence. */
export function countOutOfOrder(texts: string[], expected: RegExp[]): number {
  const firsts = texts.filter((x, i) => texts.indexOf(x) === i);
  let n = 0;
  for (let i = 0; i < Math.min(firsts.length, expected.length); i++) if (!expected[i]!.test(firsts[i]!)) n++;
  return n;
}

/** The confirmations expected after `rounds` rounds, in order. */
export function expectedConfirmations(rounds: number): RegExp[] {
  return Array.from({ length: rounds }, (_, i) => (i === 0 ? /✅ Đã lưu báo cáo/ : new RegExp(`✅ Đã lưu bản sửa lần ${i + 1} `)));
}

/**
 * Delivers an update as Telegram does: POST to the webhook, and again (every 100 ms) until it is
 * answered 200 — a 503 or a refused connection means "try later". Counts the refusals.
 */
export async function deliver(url: () => string, update: Update, stats: { refused: number }, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG_SECRET },
        body: JSON.stringify(update),
        signal: AbortSignal.timeout(5000),
      });
      await r.text();
      if (r.status === 200) return;
    } catch {
      // refused or reset: the instance is down
    }
    stats.refused++;
    if (Date.now() > end) throw new Error(`update ${update.update_id} was never accepted`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
