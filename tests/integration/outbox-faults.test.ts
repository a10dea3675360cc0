/**
 * The outbox under faults (issue 11): leases reclaimed by a running drainer, the resend-at-most-once
 * window, FIFO per chat through a Telegram 429/500 storm and a Zalo quota storm, fairness with a
 * busy group, two instances sharing the rate limits, retries by time then failure after the max age.
 *
 * Real platform senders against the fake Telegram and Zalo servers; time is a ManualClock (no
 * sleeps). Runs on SQLite, or on PostgreSQL when TEST_DATABASE_URL is set.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Api } from 'grammy';
import { ManualClock } from '../../src/clock';
import { openDatabase, type DbHandle } from '../../src/db';
import { migrateToLatest } from '../../src/db/migrate';
import type { OutboxRow } from '../../src/db/schema';
import { silentLogger } from '../../src/logger';
import { OutboxDrainer, type SendFailure } from '../../src/outbox/drainer';
import { globalWindow } from '../../src/outbox/rate-limit';
import { allOutbox, claimBatch, enqueue, markSending, renewLeases } from '../../src/outbox/store';
import type { Outgoing, PlatformSender } from '../../src/outbox/types';
import { createTelegramSender, TELEGRAM_LIMITS } from '../../src/platforms/telegram/sender';
import { ZaloClient } from '../../src/platforms/zalo/client';
import { createZaloSender } from '../../src/platforms/zalo/sender';
import { freshDatabaseUrl } from '../helpers/db';
import { BLOCKED, FakeTelegram, SERVER_ERROR, TOO_MANY } from '../helpers/fake-telegram';
import { FakeZalo, FAKE_ZALO_TOKEN } from '../helpers/fake-zalo';

const HOUR = 3600_000;
const GROUP_1 = '-1001000000001';
const GROUP_2 = '-1001000000002';
const GROUP_3 = '-1001000000003';
const PRIVATE_1 = '501';
const PRIVATE_2 = '502';

interface Delivery {
  /** clock instant of the delivery */
  at: number;
  chat: string;
  text: string;
  /** which drainer sent it */
  by: string;
}

const tgOut = (chat: string, text: string): Outgoing => ({ chat: { platform: 'telegram', id: chat }, text });
const zaloOut = (chat: string, text: string): Outgoing => ({ chat: { platform: 'zalo', id: chat }, text });
const textOf = (r: OutboxRow): string => (JSON.parse(r.payload) as Outgoing).text;

/** A sender that notes each message the platform accepted, at the injected clock's instant. */
function recording(sender: PlatformSender, clock: ManualClock, log: Delivery[], by = 'a'): PlatformSender {
  return {
    ...sender,
    async send(m) {
      const r = await sender.send(m);
      log.push({ at: clock.now().getTime(), chat: m.chat.id, text: m.text, by });
      return r;
    },
  };
}

/** Most instants in any half-open window [t, t + windowMs). */
function maxInWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[j]! <= t[i]! - windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('outbox under faults', () => {
  let dir: string;
  let url: string;
  let drop: () => Promise<void>;
  let h: DbHandle;
  let clock: ManualClock;
  let tg: FakeTelegram;
  const extra: DbHandle[] = [];
  const drainers: OutboxDrainer[] = [];

  const telegramSender = (): PlatformSender => createTelegramSender(new Api(tg.token, { apiRoot: tg.apiRoot }), silentLogger);
  const drainer = (senders: PlatformSender[], opts: ConstructorParameters<typeof OutboxDrainer>[4] = {}, db = h): OutboxDrainer => {
    const d = new OutboxDrainer(db.db, senders, clock, silentLogger, opts);
    drainers.push(d);
    return d;
  };
  const rows = (): Promise<OutboxRow[]> => allOutbox(h.db);
  const sentTexts = (chat: string): string[] => tg.sent(chat).map((m) => m.text);

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnscd-outbox-'));
    const fresh = await freshDatabaseUrl(dir);
    url = fresh.url;
    drop = fresh.drop;
    h = openDatabase(url);
    await migrateToLatest(h.db);
    clock = new ManualClock('2026-12-10T09:00:00+07:00');
    tg = await FakeTelegram.start();
  });

  afterEach(async () => {
    for (const d of drainers.splice(0)) await d.stop();
    await tg.close();
    for (const x of extra.splice(0)) await x.close();
    await h.close();
    await drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('leases and the unknown-outcome window', () => {
    it('a running drainer reclaims the expired leases of a crashed instance: claimed rows go once, a row lost during its call is resent once', async () => {
      await enqueue(h.db, [tgOut(PRIVATE_1, 'A1'), tgOut(PRIVATE_1, 'A2'), tgOut(PRIVATE_2, 'B1')], clock.now());
      // another instance claims both chats' heads, starts the call for A1, and is killed
      const crashed = await claimBatch(h.db, {
        platform: 'telegram',
        owner: 'crashed-instance',
        now: clock.now(),
        leaseMs: 60_000,
        limit: 10,
        global: globalWindow('telegram', TELEGRAM_LIMITS),
        windowsFor: () => [],
      });
      expect(crashed.rows.map(textOf)).toEqual(['A1', 'B1']);
      expect(await markSending(h.db, crashed.rows[0]!.id, 'crashed-instance', clock.now(), 60_000)).toBe(true);

      const reclaims: unknown[] = [];
      const live = drainer([telegramSender()], { pollMs: 20, leaseMs: 60_000, hooks: { onReclaim: (e) => reclaims.push(e) } });
      live.start();
      await live.idle();
      live.kick();
      await live.idle();
      expect(tg.sent()).toHaveLength(0); // the leases still hold: nothing is taken from a live holder

      clock.advance(60_001); // the crashed instance's leases lapse; the running drainer's next poll reclaims them
      await tg.waitFor(() => tg.sent().length === 3, 5000, 'the reclaimed rows sent');
      await live.stop();

      expect(sentTexts(PRIVATE_1)).toEqual(['A1', 'A2']); // A2 waited for A1: order kept
      expect(sentTexts(PRIVATE_2)).toEqual(['B1']);
      const byText = new Map((await rows()).map((r) => [textOf(r), r]));
      expect(byText.get('A1')).toMatchObject({ status: 'sent', maybe_sent: 1, claimed_by: null, lease_until: null });
      expect(byText.get('B1')).toMatchObject({ status: 'sent', maybe_sent: 0 }); // crashed before its call: not a resend
      expect(byText.get('A2')).toMatchObject({ status: 'sent', maybe_sent: 0 });
      expect(reclaims).toEqual([{ platform: 'telegram', released: 1, resent: 1, unknown: 0 }]);
    });

    it('a message whose outcome is lost a second time is not sent again, and its chat goes on', async () => {
      await enqueue(h.db, [tgOut(PRIVATE_1, 'A1'), tgOut(PRIVATE_1, 'A2')], clock.now());
      const crashDuringCall = async (owner: string): Promise<void> => {
        const c = await claimBatch(h.db, { platform: 'telegram', owner, now: clock.now(), leaseMs: 60_000, limit: 1, global: globalWindow('telegram', TELEGRAM_LIMITS), windowsFor: () => [] });
        expect(c.rows.map(textOf)).toEqual(['A1']);
        expect(await markSending(h.db, c.rows[0]!.id, owner, clock.now(), 60_000)).toBe(true);
        clock.advance(60_001);
      };
      await crashDuringCall('first'); // outcome lost once…
      await crashDuringCall('second'); // …its one resend is lost too
      const failures: SendFailure[] = [];
      const live = drainer([telegramSender()], { hooks: { onFailure: (f) => failures.push(f) } });
      expect(await live.drainAll()).toBe(1);
      expect(sentTexts(PRIVATE_1)).toEqual(['A2']);
      const [a1, a2] = await rows();
      expect(a1).toMatchObject({ status: 'unknown', maybe_sent: 1 });
      expect(a1!.last_error).toMatch(/not resent/);
      expect(a2).toMatchObject({ status: 'sent' });
      expect(failures.map((f) => f.outcome)).toEqual(['unknown']);
    });

    it('the window is the send call itself: "sending" with a lease is written right before the call, "sent" right after', async () => {
      await enqueue(h.db, [tgOut(PRIVATE_1, 'A1'), tgOut(PRIVATE_2, 'B1')], clock.now());
      const real = telegramSender();
      const duringCall: OutboxRow[] = [];
      const live = drainer([
        {
          ...real,
          async send(m) {
            duringCall.push((await rows()).find((r) => textOf(r) === m.text)!);
            if (m.text === 'B1') throw new Error('socket hang up'); // an error before Telegram answered
            return real.send(m);
          },
        },
      ], { leaseMs: 30_000, concurrency: 1 });
      await live.drainAll();
      const now = clock.now();
      expect(duringCall).toHaveLength(2);
      for (const r of duringCall) {
        expect(r).toMatchObject({ status: 'sending', claimed_by: live.instanceId, send_started_at: now.toISOString() });
        expect(r.lease_until).toBe(new Date(now.getTime() + 30_000).toISOString());
      }
      const [a1, b1] = await rows();
      expect(a1).toMatchObject({ status: 'sent', claimed_by: null, lease_until: null, maybe_sent: 0 });
      // an answered failure is a known outcome: retried, not counted as a possible delivery
      expect(b1).toMatchObject({ status: 'pending', attempts: 1, claimed_by: null, maybe_sent: 0 });
    });

    it('a heartbeat that lands late never shortens a lease (two renewals in flight, out of order)', async () => {
      await enqueue(h.db, [tgOut(PRIVATE_1, 'one')], clock.now());
      const owner = 'instance-a';
      await claimBatch(h.db, { platform: 'telegram', owner, now: clock.now(), leaseMs: 60_000, limit: 1, global: globalWindow('telegram', TELEGRAM_LIMITS), windowsFor: () => [] });
      const at = (ms: number) => new Date(clock.now().getTime() + ms);
      await renewLeases(h.db, owner, [(await rows())[0]!.id], at(10 * 60_000)); // the newer heartbeat
      await renewLeases(h.db, owner, [(await rows())[0]!.id], at(60_000)); // an older one, landing after it
      expect((await rows())[0]!.lease_until).toBe(at(10 * 60_000).toISOString());
    });

    it('a running instance keeps the lease of a call that outlasts it, so no other instance sends the row again', async () => {
      await enqueue(h.db, [tgOut(PRIVATE_1, 'slow')], clock.now());
      const real = telegramSender();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inCall = new Promise<void>((r) => (entered = r));
      const slow = drainer([{ ...real, async send(m) { entered(); await gate; return real.send(m); } }], { leaseMs: 60_000, heartbeatMs: 5 });
      const other = drainer([telegramSender()]);
      const pass = slow.drainAll();
      await inCall;
      clock.advance(10 * 60_000); // ten minutes in one call
      const renewed = new Date(clock.now().getTime() + 60_000).toISOString();
      // wait for the heartbeat (every 5 ms) to write the renewed lease
      const deadline = Date.now() + 5000;
      while ((await rows())[0]!.lease_until !== renewed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect((await rows())[0]!.lease_until).toBe(renewed); // the heartbeat renewed it
      expect(await other.drainAll()).toBe(0);
      release();
      expect(await pass).toBe(1);
      expect(sentTexts(PRIVATE_1)).toEqual(['slow']);
    });
  });

  it('stop() lets the call in flight finish and records it; the rest stays queued, unclaimed', async () => {
    await enqueue(h.db, [tgOut(PRIVATE_1, 'A1'), tgOut(PRIVATE_1, 'A2')], clock.now());
    const real = telegramSender();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inCall = new Promise<void>((r) => (entered = r));
    const d = drainer([{ ...real, async send(m) { entered(); await gate; return real.send(m); } }]);
    d.start();
    await inCall;
    const stopping = d.stop();
    release();
    await stopping;
    expect(sentTexts(PRIVATE_1)).toEqual(['A1']);
    expect((await rows()).map((r) => [r.status, r.claimed_by])).toEqual([['sent', null], ['pending', null]]);
  });

  describe('storms: FIFO per chat across retries', () => {
    it('Telegram 429 (retry_after) then 500 for 60 s: all 18 delivered, none doubled, order kept in every chat', async () => {
      const chats = [GROUP_1, GROUP_2, PRIVATE_1];
      const messages: Outgoing[] = [];
      for (let i = 1; i <= 6; i++) for (const c of chats) messages.push(tgOut(c, `${c} #${i}`));
      await enqueue(h.db, messages, clock.now());
      const t0 = clock.now().getTime();
      tg.failNext('sendMessage', 2, TOO_MANY(7));
      for (const c of chats) tg.failChat(c, SERVER_ERROR); // after the 429s: 502 until t0 + 7 s + 60 s
      const log: Delivery[] = [];
      const d = drainer([recording(telegramSender(), clock, log)]);
      for (let step = 0; step < 600 && log.length < 18; step++) {
        if (clock.now().getTime() - t0 >= 67_000) for (const c of chats) tg.failChat(c, undefined);
        await d.drainAll();
        clock.advance(1000);
      }
      expect(tg.callsOf('sendMessage').length).toBeGreaterThan(18); // the storm was met
      expect(log.every((x) => x.at >= t0 + 67_000)).toBe(true);
      expect(tg.sent()).toHaveLength(18);
      for (const c of chats) expect(sentTexts(c)).toEqual([1, 2, 3, 4, 5, 6].map((i) => `${c} #${i}`));
      expect((await rows()).every((r) => r.status === 'sent' && r.maybe_sent === 0)).toBe(true);
    });

    it('Zalo quota (429) for 60 s: all 18 delivered, none doubled, order kept in every chat', async () => {
      const zalo = await new FakeZalo().start();
      try {
        const sender = createZaloSender({ client: new ZaloClient({ token: FAKE_ZALO_TOKEN, apiRoot: zalo.apiRoot }), perSecond: 5 });
        const chats = ['g-1', 'g-2', 'u-9'];
        const messages: Outgoing[] = [];
        for (let i = 1; i <= 6; i++) for (const c of chats) messages.push(zaloOut(c, `${c} #${i}`));
        await enqueue(h.db, messages, clock.now());
        const t0 = clock.now().getTime();
        zalo.failNext('sendMessage', 429, 1_000_000);
        const log: Delivery[] = [];
        const d = drainer([recording(sender, clock, log)]);
        for (let step = 0; step < 600 && log.length < 18; step++) {
          if (clock.now().getTime() - t0 >= 60_000) zalo.clearFailures();
          await d.drainAll();
          clock.advance(1000);
        }
        expect(zalo.callsOf('sendMessage').filter((c) => c.errorCode === 429).length).toBeGreaterThanOrEqual(3);
        expect(zalo.sent).toHaveLength(18);
        for (const c of chats) expect(zalo.sentTo(c)).toEqual([1, 2, 3, 4, 5, 6].map((i) => `${c} #${i}`));
        expect(maxInWindow(log.map((x) => x.at), 1000)).toBeLessThanOrEqual(5); // ZALO_RATE_PER_SECOND
        expect((await rows()).every((r) => r.status === 'sent')).toBe(true);
      } finally {
        await zalo.close();
      }
    });
  });

  it('one busy group with 150 pending rows does not starve the other chats', async () => {
    const busy = Array.from({ length: 150 }, (_, i) => tgOut(GROUP_1, `busy #${i + 1}`));
    await enqueue(h.db, busy, clock.now());
    const others = [GROUP_2, GROUP_3, PRIVATE_1, PRIVATE_2];
    await enqueue(h.db, others.map((c) => tgOut(c, `for ${c}`)), clock.now());
    const log: Delivery[] = [];
    const d = drainer([recording(telegramSender(), clock, log)]);
    await d.drainAll();
    // every other chat got its message in the first round, beside the busy group's head
    for (const c of others) expect(sentTexts(c)).toEqual([`for ${c}`]);
    expect(log.slice(0, 5).map((x) => x.chat).sort()).toEqual([GROUP_1, ...others].sort());
    // the busy group itself goes on at its own limits: at most 20 a minute (10 at once, then about 1 a second)
    const t0 = clock.now().getTime();
    for (let step = 0; step < 1000 && tg.sent(GROUP_1).length < 150; step++) {
      clock.advance(1000);
      await d.drainAll();
    }
    expect(sentTexts(GROUP_1)).toEqual(busy.map((m) => m.text));
    const busyTimes = log.filter((x) => x.chat === GROUP_1).map((x) => x.at);
    expect(maxInWindow(busyTimes, 60_000)).toBeLessThanOrEqual(20);
    expect(maxInWindow(busyTimes, 10_000)).toBeLessThanOrEqual(10);
    // 150 at 20 a minute: about 7.5 minutes
    expect(clock.now().getTime() - t0).toBeLessThan(8 * 60_000);
    expect(clock.now().getTime() - t0).toBeGreaterThanOrEqual(7 * 60_000);
  });

  it('many chats held back by their own limit do not hide a later chat that may go', async () => {
    const messages: Outgoing[] = [];
    for (let i = 1; i <= 2; i++) for (let u = 0; u < 120; u++) messages.push(tgOut(String(700 + u), `u${u} #${i}`));
    messages.push(tgOut(PRIVATE_1, 'late'));
    await enqueue(h.db, messages, clock.now());
    // one message a second per chat, no burst; a wide overall limit
    const d = drainer([{ ...telegramSender(), limits: { perSecond: 1000, perChatPerSecond: 1, perChatBurst: 1 } }], { batch: 10 });
    expect(await d.drainAll()).toBe(121); // every chat's first message, and the late chat's, though 120 older heads are held back
    expect(sentTexts(PRIVATE_1)).toEqual(['late']);
    clock.advance(1000);
    expect(await d.drainAll()).toBe(120);
  });

  it('two instances on one database share the rate limits and never send a row twice', async () => {
    // PostgreSQL: two pools, as two processes would have. SQLite: one in-process connection (two
    // better-sqlite3 connections in one event loop would block each other); the drainers share
    // nothing in memory either way — claims, leases and rate windows are all in the database.
    const second = h.dialect === 'postgres' ? openDatabase(url) : h;
    if (second !== h) extra.push(second);
    const messages: Outgoing[] = [];
    for (let i = 1; i <= 3; i++) for (let u = 0; u < 30; u++) messages.push(tgOut(String(600 + u), `u${u} #${i}`));
    for (let i = 1; i <= 15; i++) for (const g of [GROUP_1, GROUP_2]) messages.push(tgOut(g, `${g} #${i}`));
    await enqueue(h.db, messages, clock.now());
    const log: Delivery[] = [];
    const a = drainer([recording(telegramSender(), clock, log, 'a')]);
    const b = drainer([recording(telegramSender(), clock, log, 'b')], {}, second);
    for (let step = 0; step < 2000 && log.length < messages.length; step++) {
      await Promise.all([a.drainAll(), b.drainAll()]);
      clock.advance(100);
    }
    expect(tg.sent()).toHaveLength(messages.length);
    expect(new Set(tg.sent().map((m) => m.text)).size).toBe(messages.length); // none twice
    expect(log.some((x) => x.by === 'a') && log.some((x) => x.by === 'b')).toBe(true);
    const times = log.map((x) => x.at);
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(30); // Telegram: 30 a second overall
    for (const g of [GROUP_1, GROUP_2]) {
      expect(sentTexts(g)).toEqual(Array.from({ length: 15 }, (_, i) => `${g} #${i + 1}`));
      expect(maxInWindow(log.filter((x) => x.chat === g).map((x) => x.at), 60_000)).toBeLessThanOrEqual(20); // 20 a minute per group
    }
    for (let u = 0; u < 30; u++) expect(sentTexts(String(600 + u))).toEqual([1, 2, 3].map((i) => `u${u} #${i}`));
    expect((await rows()).every((r) => r.status === 'sent' && r.claimed_by === null)).toBe(true);
  });

  describe('retries by time, permanent errors', () => {
    it('retries a 5xx with backoff for as long as the max age (24 h), then fails it; the chat\'s next message then goes', async () => {
      const t0 = clock.now().getTime();
      await enqueue(h.db, [tgOut(PRIVATE_1, 'first')], clock.now());
      tg.failChat(PRIVATE_1, SERVER_ERROR);
      const failures: SendFailure[] = [];
      const d = drainer([telegramSender()], { hooks: { onFailure: (f) => failures.push(f) } });
      let queuedSecond = false;
      for (let i = 0; i < 1000; i++) {
        await d.drainAll();
        const [first] = await rows();
        if (first!.status !== 'pending') break;
        if (!queuedSecond && clock.now().getTime() >= t0 + 23 * HOUR) {
          await enqueue(h.db, [tgOut(PRIVATE_1, 'second')], clock.now());
          queuedSecond = true;
          const [r] = await rows();
          expect(r!.attempts).toBeGreaterThan(200); // far beyond any count limit, still retried
        }
        clock.set(first!.next_attempt_at);
      }
      const [first, second] = await rows();
      expect(first).toMatchObject({ status: 'failed' });
      expect(first!.last_error).toMatch(/502.*still failing after 24 h/);
      expect(clock.now().getTime()).toBeGreaterThan(t0 + 24 * HOUR - 5 * 60_000);
      expect(clock.now().getTime()).toBeLessThanOrEqual(t0 + 24 * HOUR);
      expect(failures.at(-1)!.outcome).toBe('retry'); // the second message's first try, right after
      expect(failures.filter((f) => f.outcome === 'expired')).toHaveLength(1);
      expect(second).toMatchObject({ status: 'pending', attempts: 1 });

      tg.failChat(PRIVATE_1, undefined);
      clock.advance(1000);
      expect(await d.drainAll()).toBe(1);
      expect(sentTexts(PRIVATE_1)).toEqual(['second']);
    });

    it('a permanent error (403 blocked) fails at once without holding back other chats or the chat\'s later messages', async () => {
      await enqueue(h.db, [tgOut(PRIVATE_1, 'P1'), tgOut(PRIVATE_2, 'Q1'), tgOut(PRIVATE_1, 'P2')], clock.now());
      tg.failNext('sendMessage', 1, BLOCKED); // P1, the oldest head, is tried first
      const failures: SendFailure[] = [];
      const d = drainer([telegramSender()], { concurrency: 1, hooks: { onFailure: (f) => failures.push(f) } });
      expect(await d.drainAll()).toBe(2);
      expect(sentTexts(PRIVATE_1)).toEqual(['P2']); // the user unblocked the bot: the later message arrives
      expect(sentTexts(PRIVATE_2)).toEqual(['Q1']);
      expect((await rows()).map((r) => r.status)).toEqual(['failed', 'sent', 'sent']);
      expect(failures).toEqual([{ platform: 'telegram', outcome: 'failed', permanent: true, reason: expect.stringMatching(/403/), attempts: 1 }]);
      expect(await d.depth()).toEqual([
        { platform: 'telegram', status: 'failed', count: 1 },
        { platform: 'telegram', status: 'sent', count: 2 },
      ]);
    });
  });
});
