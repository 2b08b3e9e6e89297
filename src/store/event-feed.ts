import { EventEmitter } from 'node:events';
import type { Db } from './db/types.js';
import { eventsSequence, eventsUnsequencedExist, type SequencePass } from './events.js';

/** Carries "the feed moved to position n" between API servers. */
const CHANNEL = 'jobplane_events';

export interface EventFeedOptions {
  /** How often to look for committed, unstamped events (the latency floor of the feed and of webhooks). */
  pollMs: number;
  /** Most events stamped per pass (a backlog takes several passes, back to back). */
  batch?: number;
  /** Called after each pass that stamped something (metrics, logs). */
  onPass?: (pass: SequencePass) => void;
  onError?: (err: unknown) => void;
}

/**
 * Runs the event sequencer in this API server and tells local readers (SSE streams, the webhook delivery service)
 * when the feed moved. Every server runs it; the sequencer's lock makes one pass at a time, whichever server wins.
 *
 * Why polling and not a NOTIFY per transition: a NOTIFY inside a transaction makes its commit take a database-wide
 * lock (notifications are queued in commit order), held through the commit's WAL flush, which would serialize the
 * commits of every transition. Instead the sequencer looks every `pollMs` (an index-only probe of a partial index
 * when idle) and, after a pass that stamped something, sends one NOTIFY outside any transaction so that readers
 * on the other servers wake at once. Readers also re-read on a timer, so a lost notification only delays them.
 */
export class EventFeed {
  private readonly local = new EventEmitter();
  private changes = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private unlisten: (() => Promise<void>) | undefined;
  private readonly batch: number;

  constructor(private readonly db: Db, private readonly opts: EventFeedOptions) {
    this.local.setMaxListeners(0);
    this.batch = opts.batch ?? 1000;
  }

  /** A counter that grows whenever the feed may have moved; pass it to `waitForChange` to not miss a move. */
  get version(): number {
    return this.changes;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.unlisten = await this.db.listen(CHANNEL, () => this.changed());
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await this.unlisten?.();
    this.changed(); // waiters re-check and see that they should stop
  }

  /**
   * Stamps every committed event that has no position yet (several passes for a backlog). Returns how many were
   * stamped by this server (0 when another server's pass held the lock or there was nothing to do). With `wait`,
   * a pass of another server is waited for, so that on return every event committed before the call has its
   * position (tests, and readers that must see their own writes).
   */
  async sequenceNow(opts: { wait?: boolean } = {}): Promise<number> {
    let total = 0;
    for (;;) {
      const pass = await eventsSequence(this.db, this.batch, opts);
      if (!pass || pass.sequenced === 0) return total;
      total += pass.sequenced;
      this.opts.onPass?.(pass);
      this.changed();
      // Outside the transaction (see the class comment); other servers' readers wake on it.
      await this.db.notify(CHANNEL, String(pass.lastSeq)).catch((err) => this.opts.onError?.(err));
      if (pass.sequenced < this.batch) return total;
    }
  }

  /**
   * Resolves once the feed may have moved since `version` was read (at once if it already did), after `ms` at the
   * latest, or when `signal` aborts.
   */
  waitForChange(version: number, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.changes !== version || signal?.aborted || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.local.off('change', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.local.once('change', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private changed(): void {
    this.changes++;
    this.local.emit('change');
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule(this.opts.pollMs);
      });
    }, ms);
  }

  private async tick(): Promise<void> {
    try {
      if (await eventsUnsequencedExist(this.db)) await this.sequenceNow();
    } catch (err) {
      this.opts.onError?.(err);
    }
  }
}
