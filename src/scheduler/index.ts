/**
 * The one-minute tick: node-cron fires at every minute (Asia/Ho_Chi_Minh by default) and the tick
 * asks `Reminders.runDue(clock.now())` what is due. The instant comes from the app's Clock, not from
 * cron, so the simulator's clock jump (an OffsetClock) triggers due points at the next tick, and a
 * tick also runs at start so reminders missed while the bot was down go out at once.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { Reminders, type ReminderDeps, type RunResult } from '../app/reminders';
import { remindPendingRequests } from '../chat/features/membership';
import { enqueue } from '../outbox/store';

export interface SchedulerOptions extends ReminderDeps {
  clock: Clock;
  log: Logger;
  /** the cron's time zone (a one-minute pattern fires at the same instants in any zone; kept explicit) */
  timezone?: string;
  /** called after a tick queued messages (wakes the outbox drainer) */
  onQueued?: () => void;
}

export class ReminderScheduler {
  readonly reminders: Reminders;
  private task: ScheduledTask | undefined;
  private running: Promise<RunResult | undefined> | undefined;

  constructor(private readonly opts: SchedulerOptions) {
    this.reminders = new Reminders(opts);
  }

  get started(): boolean {
    return this.task !== undefined;
  }

  /** Starts the cron (every minute) and runs one tick now. */
  start(): void {
    if (this.task) return;
    this.task = cron.schedule('* * * * *', () => this.tick(), {
      timezone: this.opts.timezone ?? 'Asia/Ho_Chi_Minh',
      name: 'reminders',
      noOverlap: true,
    });
    void this.tick();
  }

  /** One run at the clock's now; never throws (errors are logged), never overlaps itself. */
  tick(): Promise<RunResult | undefined> {
    if (this.running) return this.running;
    const now = this.opts.clock.now();
    this.running = this.reminders
      .runDue(now)
      .then(async (r) => {
        const pending = await this.pendingRequests(now);
        this.opts.log.debug({ now: r.now.toISOString(), points: r.points.length, messages: r.messages, pending }, 'reminder tick');
        if (r.messages + pending > 0) this.opts.onQueued?.();
        return r;
      })
      .catch((e: unknown) => {
        this.opts.log.error({ err: e }, 'reminder tick failed');
        return undefined;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Membership requests waiting longer than the profile allows are listed to the approver again. */
  private async pendingRequests(now: Date): Promise<number> {
    return this.opts.db.transaction().execute(async (trx) => {
      const out = await remindPendingRequests(trx, now, this.opts.profile);
      await enqueue(trx, out, now);
      return out.length;
    });
  }

  async stop(): Promise<void> {
    const task = this.task;
    this.task = undefined;
    if (task) await task.destroy();
    await this.running;
  }
}
