/**
 * The daily retention run (src/app/retention.ts): at RETENTION_HOUR local time, and once at start
 * so a bot restarted every night still prunes. Never throws (errors are logged), never overlaps.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Clock } from '../clock';
import type { Db } from '../db';
import type { Logger } from '../logger';
import { pruneExpired, type PruneResult, type RetentionPeriods } from '../app/retention';

export interface RetentionJobOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  periods: RetentionPeriods;
  /** local hour of the daily run (default 3) */
  hour?: number;
  timezone?: string;
  onPruned?: (r: PruneResult) => void;
}

export class RetentionJob {
  private task: ScheduledTask | undefined;
  private running: Promise<PruneResult | undefined> | undefined;

  constructor(private readonly opts: RetentionJobOptions) {}

  start(): void {
    if (this.task) return;
    this.task = cron.schedule(`0 ${this.opts.hour ?? 3} * * *`, () => void this.run(), {
      timezone: this.opts.timezone ?? 'Asia/Ho_Chi_Minh',
      name: 'retention',
      noOverlap: true,
    });
    void this.run();
  }

  /** One pruning at the clock's now. */
  run(): Promise<PruneResult | undefined> {
    if (this.running) return this.running;
    this.running = pruneExpired(this.opts.db, this.opts.clock.now(), this.opts.periods)
      .then((r) => {
        this.opts.log.info({ deleted: r }, 'retention: old rows removed');
        this.opts.onPruned?.(r);
        return r;
      })
      .catch((e: unknown) => {
        this.opts.log.error({ err: e }, 'retention run failed');
        return undefined;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    const task = this.task;
    this.task = undefined;
    if (task) await task.destroy();
    await this.running;
  }
}
