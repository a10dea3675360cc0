/**
 * The inbound worker with a stand-in core: per-chat order while a chat's update cannot be
 * processed yet (the database went away in the middle), other chats going on, and the row done
 * only together with the core's transaction.
 */
import type { ChatEvent } from '../../src/chat/types';
import type { Db } from '../../src/db';
import { silentLogger } from '../../src/logger';
import { InboundWorker, storeUpdate, type StoredEventSink } from '../../src/inbound';
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
