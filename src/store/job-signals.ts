import { EventEmitter } from 'node:events';
import type { Db } from './db/types.js';

const CHANNEL = 'jobplane_jobs_available';
/** One channel carries both kinds of wake-up: a plane id (a UUID), or this prefix and an executor id. */
const CANCEL_PREFIX = 'cancel:';

/**
 * Wake-ups for long-polls. Claims: whoever makes a job claimable (create, reschedule, a retry falling due, a
 * release) calls `notify(planeId)`; every API server LISTENs once and wakes its local waiters for that plane.
 * Cancellation watches: a cancellation request for a running job calls `notifyCancelRequested(executor)`.
 * Notifications can be lost (a dropped listener connection, PgBouncer in transaction mode), so waiters also poll:
 * a wake-up only shortens the wait, correctness never depends on it.
 */
export class JobSignals {
  private readonly local = new EventEmitter();
  private unlisten: (() => Promise<void>) | undefined;
  /** Wake-ups asked for since the last NOTIFY statement, sent together by the next one (see `send`). */
  private pending = new Set<string>();
  private flushing: Promise<void> | undefined;
  private lastSentAt = -Infinity;

  /** `intervalMs`: the least time between two NOTIFY statements of this server (see `send`). */
  constructor(private readonly db: Db, private readonly intervalMs = 10) {
    this.local.setMaxListeners(0);
  }

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(CHANNEL, (planeId) => this.local.emit(planeId));
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.local.removeAllListeners();
  }

  async notify(planeId: string): Promise<void> {
    await this.send(planeId);
  }

  /** Resolves when a job may have become claimable on `planeId`, after `ms` at the latest, or on abort. */
  wait(planeId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return this.waitFor(planeId, ms, signal);
  }

  /** A cancellation was requested for a job `executor` runs: its watch (GET /executors/{id}/cancellations) wakes. */
  async notifyCancelRequested(executor: string): Promise<void> {
    await this.send(`${CANCEL_PREFIX}${executor}`);
  }

  /**
   * Every completion frees capacity and so wakes its plane's claimers: at queue speed, one NOTIFY statement per
   * completion would be a second round trip and a second commit per job (PostgreSQL serializes the commits of
   * notifying transactions). So wake-ups are sent as one statement for all the payloads asked for meanwhile, once
   * each, and at most one such statement per `intervalMs`: the first after a quiet spell goes out on the next turn
   * of the event loop (an idle plane's claimer wakes at once), and under load the rest wait for the interval to end.
   * A waiter learns the same either way, at most an interval later, and still sooner than its poll. At 8 executors
   * this took the transactions per job from 1.49 to 1.31 (bench/results/queue.md, "By hand, 3-4 December").
   */
  private send(payload: string): Promise<void> {
    this.pending.add(payload);
    this.flushing ??= new Promise<void>((resolve) => {
      const wait = this.lastSentAt + this.intervalMs - Date.now();
      if (wait > 0) setTimeout(resolve, wait);
      else setImmediate(resolve);
    }).then(async () => {
      const payloads = [...this.pending];
      this.pending = new Set();
      this.flushing = undefined;
      this.lastSentAt = Date.now();
      await this.db.notifyMany(CHANNEL, payloads);
    });
    return this.flushing;
  }

  /** Resolves when a job of `executor` may have been asked to cancel, after `ms` at the latest, or on abort. */
  waitForCancelRequest(executor: string, ms: number, signal?: AbortSignal): Promise<void> {
    return this.waitFor(`${CANCEL_PREFIX}${executor}`, ms, signal);
  }

  private waitFor(key: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.local.off(key, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.local.once(key, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
