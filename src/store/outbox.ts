/** Moved to src/outbox/store.ts; kept so older imports still compile. */
export * from '../outbox/store';
