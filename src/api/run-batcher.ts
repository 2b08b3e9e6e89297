import type { Queryable } from '../store/db/types.js';
import { jobRun, type TransitionResult } from '../store/job-transitions.js';
import { jobRunMany, type RunRequest } from '../store/job-run-batch.js';

/**
 * Batches being written at once; while they are, new requests queue up and form the next batch. Under a steady
 * closed-loop load the batches settle into about two convoys whatever the limit (bench/results/api.md); the limit
 * keeps the batcher from taking more than a few of the pool's connections from the other routes.
 */
export const MAX_IN_FLIGHT = 4;

interface Waiting {
  request: RunRequest;
  resolve: (result: TransitionResult) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for `POST /jobs/{id}/run`, the hot path of every executor. Requests that arrive while MAX_IN_FLIGHT
 * batches are being written wait and go together as ONE statement (`jobRunMany`): one round trip, one commit and
 * one WAL flush for all of them, where one statement each would pay those per job (bench/results/api.md). A
 * request that finds nothing in flight goes out on the next turn of the event loop, so an idle server adds no
 * latency; batches grow only when requests queue anyway. River batches job completions the same way.
 *
 * Semantics are those of the one-job statement: each job's transition is decided on its own row by the same
 * conditional UPDATE, with its own caller's scope and actor and its own event row. A request for a job already
 * queued or in flight skips batching and runs the one-job statement, which waits for the batch's row lock and then
 * sees its outcome (so concurrent runs of one job still leave one winner). Jobs the batch did not update (not
 * found, not runnable) are explained one by one through `jobRun`, which re-checks the row. A batch that deadlocks
 * against another server's batch (PostgreSQL aborts one of the two) is retried one job at a time.
 */
export class RunBatcher {
  private readonly queue: Waiting[] = [];
  /** Job ids queued or in flight in a batch. */
  private readonly batched = new Set<string>();
  private inFlight = 0;
  private flushScheduled = false;

  constructor(
    private readonly db: Queryable,
    private readonly opts: { leaseMs: number; maxBatch: number; onBatch?: (size: number) => void },
  ) {}

  run(request: RunRequest): Promise<TransitionResult> {
    if (this.opts.maxBatch <= 1 || this.batched.has(request.jobId)) return this.runOne(request);
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.batched.add(request.jobId);
      this.scheduleFlush();
    });
  }

  private runOne(r: RunRequest): Promise<TransitionResult> {
    return jobRun(this.db, r.jobId, r.scope, r.executor, this.opts.leaseMs, r.actor);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.inFlight >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    this.flushScheduled = true;
    // setImmediate, not a microtask: requests parsed in the same turn of the event loop join the same batch.
    setImmediate(() => {
      this.flushScheduled = false;
      while (this.queue.length > 0 && this.inFlight < MAX_IN_FLIGHT) {
        void this.write(this.queue.splice(0, this.opts.maxBatch));
      }
    });
  }

  private async write(batch: Waiting[]): Promise<void> {
    this.inFlight++;
    try {
      try {
        this.opts.onBatch?.(batch.length);
      } catch { /* a metrics hook must not fail the requests */ }
      if (batch.length === 1) {
        const [only] = batch;
        await this.runOne(only!.request).then(only!.resolve, only!.reject);
        return;
      }
      let applied;
      try {
        applied = await jobRunMany(this.db, batch.map((w) => w.request), this.opts.leaseMs);
      } catch (err) {
        if (!isDeadlock(err)) {
          for (const w of batch) w.reject(err);
          return;
        }
        applied = batch.map(() => undefined);
      }
      await Promise.all(batch.map(async (w, i) => {
        const hit = applied[i];
        if (hit) return w.resolve({ outcome: 'applied', job: hit.job, from: hit.from });
        // Not updated by the batch: the one-job statement re-checks the row and says why (or applies it, if the
        // job became runnable in between, which is a valid order of events).
        return this.runOne(w.request).then(w.resolve, w.reject);
      }));
    } finally {
      for (const w of batch) this.batched.delete(w.request.jobId);
      this.inFlight--;
      this.scheduleFlush();
    }
  }
}

function isDeadlock(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '40P01';
}

