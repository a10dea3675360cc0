/**
 * The inbound worker with a stand-in core: per-chat order while a chat's update cannot be
 * processed yet (the database went away in the middle), other chats going on, and the row done
 * only together with the core's transaction.
 */
import type { ChatEvent } from '../../src/chat/types';
import type { Db } from '../../src/db';
import { silentLogger } from '../../src/logger';
import { createIntake, InboundWorker, storeUpdate, type StoredEventSink } from '../../src/inbound';
import { tempDb } from '../helpers/db';

const unavailable = () => Object.assign(new Error('Connection terminated unexpectedly'), {});

/** Records the events it applied (in its transaction), failing the first N attempts for a chat. */
class Sink implements StoredEventSink {
  readonly applied: string[] = [];
  readonly failFor = new Map<string, number>();
  constructor(private readonly db: Db) {}
  async handleStored(events: ChatEvent[], finish: (trx: Db) => Promise<boolean>): Promise<void> {
    const chat = events[0]!.chat.id;
    const left = this.failFor.get(chat) ?? 0;
    if (left > 0) {
      this.failFor.set(chat, left - 1);
      throw unavailable();
    }
    await this.db.transaction().execute(async (trx) => {
      if (!(await finish(trx))) return;
      this.applied.push(events[0]!.eventId);
    });
  }
}

function event(payload: unknown): ChatEvent[] {
  const p = payload as { id: string; chat: string };
  return [{ type: 'message', platform: 'zalo', eventId: p.id, chat: { id: p.chat, kind: 'group' }, at: new Date(0), sender: { id: 'u', displayName: '' }, text: p.id }];
}

it('a chat whose update meets an unreachable database waits, in order, while other chats go on; afterwards each update is applied once', async () => {
  const h = await tempDb();
  const sink = new Sink(h.db);
  const worker = new InboundWorker({ db: h.db, sink, log: silentLogger, backoffMs: 5, maxBackoffMs: 20, pollMs: 10 });
  worker.register('zalo', { toEvents: event });
  try {
    for (const [id, chat] of [['a1', 'A'], ['a2', 'A'], ['b1', 'B'], ['b2', 'B'], ['a3', 'A']] as const) {
      await storeUpdate(h.db, { platform: 'zalo', eventId: id, chatKey: chat, payload: { id, chat }, receivedAt: new Date() });
    }
    sink.failFor.set('A', 3);
    worker.start();
    const end = Date.now() + 10_000;
    while (sink.applied.length < 5 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(sink.applied.filter((x) => x.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(sink.applied.filter((x) => x.startsWith('b'))).toEqual(['b1', 'b2']);
    // B was not held up by A's failures
    expect(sink.applied.indexOf('b2')).toBeLessThan(sink.applied.indexOf('a1'));
    await worker.idle();
    expect(sink.applied).toHaveLength(5);
    const rows = await h.db.selectFrom('inbound_updates').select(['status', 'lease_owner']).execute();
    expect(rows.every((r) => r.status === 'done' && r.lease_owner === null)).toBe(true);
  } finally {
    await worker.stop();
    await h.cleanup();
  }
});

it('an update stored while its chat’s earlier one is in hand is processed right after it, without waiting for the poll; more chats than slots, each in order', async () => {
  const h = await tempDb();
  const applied: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const sink: StoredEventSink = {
    async handleStored(events, finish) {
      // the first update of chat A is held until the test has stored A's next one
      if (events[0]!.eventId === 'a1') await gate;
      await h.db.transaction().execute(async (trx) => {
        if (await finish(trx)) applied.push(events[0]!.eventId);
      });
    },
  };
  // a poll of a minute: only the worker's own kicks can make the next rows go within the test
  const worker = new InboundWorker({ db: h.db, sink, log: silentLogger, pollMs: 60_000, concurrency: 2, prefetch: 4 });
  worker.register('zalo', { toEvents: event });
  const intake = createIntake(h.db, worker, () => new Date());
  const store = (id: string, chat: string) => intake.accept({ platform: 'zalo', eventId: id, chatKey: chat, payload: { id, chat } });
  const until = async (check: () => boolean): Promise<void> => {
    const end = Date.now() + 5000;
    while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  };
  try {
    worker.start();
    await store('a1', 'A');
    for (const c of ['B', 'C', 'D', 'E', 'F']) await store(`${c.toLowerCase()}1`, c);
    await until(() => applied.length === 5);
    expect(applied).not.toContain('a1');
    await store('a2', 'A'); // A's first is still in hand: a2 cannot be claimed yet
    await store('b2', 'B');
    release();
    await until(() => applied.includes('a2') && applied.includes('b2'));
    expect(applied.filter((x) => x.startsWith('a'))).toEqual(['a1', 'a2']);
    expect(applied.filter((x) => x.startsWith('b'))).toEqual(['b1', 'b2']);
    expect([...applied].sort()).toEqual(['a1', 'a2', 'b1', 'b2', 'c1', 'd1', 'e1', 'f1']);
  } finally {
    release();
    await worker.stop();
    await h.cleanup();
  }
});
