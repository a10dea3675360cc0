/**
 * Durable inbound (issue 11): adapters hand raw updates to `accept`, which resolves only once the
 * update is stored (so a webhook may answer 200, a poller may confirm its offset) and wakes the
 * worker; the worker maps each stored update with the adapter's processor and hands the events to
 * the core, marking the row done in the core's transaction.
 */
import type { Db } from '../db';
import { storeUpdate, type RawUpdate } from './store';
import type { InboundWorker } from './worker';

export * from './store';
export * from './worker';

export interface InboundIntake {
  /** stores the update (false: a redelivery, stored before); throws when the database is unavailable */
  accept(u: Omit<RawUpdate, 'receivedAt'>): Promise<boolean>;
  /** resolves when every stored update that can be processed now has been (tests, shutdown) */
  idle(): Promise<void>;
}

export function createIntake(db: Db, worker: InboundWorker, now: () => Date): InboundIntake {
  return {
    async accept(u) {
      const fresh = await storeUpdate(db, { ...u, receivedAt: now() });
      worker.kick({ platform: u.platform, chatKey: u.chatKey });
      return fresh;
    },
    idle: () => worker.idle(),
  };
}
