/** Moved to src/outbox/drainer.ts; kept so older imports still compile. */
export { OutboxDrainer, type DrainerOptions, type DrainerHooks } from '../outbox/drainer';
