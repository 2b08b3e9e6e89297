/**
 * Batches being written at once, by default; while they are, new requests queue up and form the next batch. Under a
 * steady closed-loop load the batches settle into about two convoys whatever the limit (bench/results/api.md); the
 * limit keeps a batcher from taking more than a few of the pool's connections from the other routes.
 */
export const MAX_IN_FLIGHT = 4;

export interface GroupCommitOptions<Req, Res> {
  /** Most requests in one statement; 1 = every request alone. */
  maxBatch: number;
  /** Requests for the same key never share a batch (a second one waits its turn alone). */
  key: (request: Req) => string;
  /** The one-request statement: what a lone request, a duplicate, or a request the batch did not apply runs. */
  one(request: Req): Promise<Res>;
  /**
   * The batch statement: per request (same order), its result, or undefined for those it did not apply (not
   * found, wrong state, stale lease), which then run `one`, which re-checks the row and says why.
   */
  many(requests: readonly Req[]): Promise<Array<Res | undefined>>;
  onBatch?(size: number): void;
  /**
   * Most batches being written at once (default MAX_IN_FLIGHT). 1 makes the batcher a single lane: each statement
   * carries every request that arrived while the previous one ran, for statements that cost PostgreSQL more run side
   * by side than together (the executor path, src/api/job-writes.ts).
   */
  maxInFlight?: number;
}

/**
 * Group commit for the hot paths of every executor (run, complete, fail, heartbeat). Requests that arrive while
 * `maxInFlight` batches are being written wait and go together as ONE statement: one round trip, one commit and one
 * WAL flush for all of them, where one statement each would pay those per job (bench/results/api.md). A request
 * that finds nothing in flight goes out on the next turn of the event loop, so an idle server adds no latency;
 * batches grow only when requests queue anyway. River batches job completions the same way.
 *
 * Semantics are those of the one-request statement: each job's transition is decided on its own row by the same
 * conditional UPDATE, with its own caller's scope, lease and actor, and its own event row. A request for a key
 * already queued or in flight skips batching and runs the one-request statement, which waits for the batch's row
 * lock and then sees its outcome. A batch that deadlocks against another server's batch (PostgreSQL aborts one of
 * the two) is retried one request at a time.
 */
export class GroupCommit<Req, Res> {
  private readonly queue: Array<{ request: Req; resolve: (r: Res) => void; reject: (e: unknown) => void }> = [];
  /** Keys queued or in flight in a batch. */
  private readonly batched = new Set<string>();
  private inFlight = 0;
  private flushScheduled = false;
  private readonly maxInFlight: number;

  constructor(private readonly opts: GroupCommitOptions<Req, Res>) {
    this.maxInFlight = opts.maxInFlight ?? MAX_IN_FLIGHT;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) throw new Error(`maxInFlight must be a positive integer, not ${this.maxInFlight}`);
  }

  submit(request: Req): Promise<Res> {
    const key = this.opts.key(request);
    if (this.opts.maxBatch <= 1 || this.batched.has(key)) return this.opts.one(request);
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.batched.add(key);
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.flushScheduled = true;
    // setImmediate, not a microtask: requests parsed in the same turn of the event loop join the same batch.
    setImmediate(() => {
      this.flushScheduled = false;
      while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
        void this.write(this.queue.splice(0, this.opts.maxBatch));
      }
    });
  }

  private async write(batch: Array<{ request: Req; resolve: (r: Res) => void; reject: (e: unknown) => void }>): Promise<void> {
    this.inFlight++;
    try {
      try {
        this.opts.onBatch?.(batch.length);
      } catch { /* a metrics hook must not fail the requests */ }
      if (batch.length === 1) {
        const [only] = batch;
        await this.opts.one(only!.request).then(only!.resolve, only!.reject);
        return;
      }
      let applied: Array<Res | undefined>;
      try {
        applied = await this.opts.many(batch.map((w) => w.request));
      } catch (err) {
        if (!isDeadlock(err)) {
          for (const w of batch) w.reject(err);
          return;
        }
        applied = batch.map(() => undefined);
      }
      await Promise.all(batch.map(async (w, i) => {
        const hit = applied[i];
        if (hit !== undefined) return w.resolve(hit);
        return this.opts.one(w.request).then(w.resolve, w.reject);
      }));
    } finally {
      for (const w of batch) this.batched.delete(this.opts.key(w.request));
      this.inFlight--;
      this.scheduleFlush();
    }
  }
}

function isDeadlock(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '40P01';
}
