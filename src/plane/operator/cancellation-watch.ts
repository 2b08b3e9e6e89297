import type { Logger } from 'pino';
import type { JobplaneClient } from '../../client/client.js';
import { isTransient } from '../../client/errors.js';
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import type { JobRunner } from './job-runner.js';

export interface CancellationWatchOptions {
  api: Pick<JobplaneClient, 'watchCancellations'>;
  /** The executor id now (it changes when the operator registers again). */
  executorId: () => string;
  /** The jobs this operator runs now. */
  runners: () => readonly JobRunner[];
  /** Long-poll length of each watch request. */
  waitMs: number;
  log: Logger;
  backoff?: BackoffOptions | undefined;
}

/**
 * Brings cancellation requests to running handlers at once: one long-poll per operator on
 * `GET /executors/{id}/cancellations`, which the server answers as soon as one of the executor's jobs is asked to
 * cancel. Without it a request reaches the handler only at the job's next heartbeat (10 s by default). Heartbeats
 * still carry `cancel_requested`, so a lost wake-up or an outage of this watch delays a cancellation, never loses it.
 */
export class CancellationWatch {
  readonly #stop = new AbortController();
  readonly #backoff: Backoff;
  #loop: Promise<void> | undefined;

  constructor(private readonly opts: CancellationWatchOptions) {
    this.#backoff = new Backoff(opts.backoff);
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        const { records } = await this.opts.api.watchCancellations(this.opts.executorId(), { wait_ms: this.opts.waitMs }, { signal });
        this.#backoff.reset();
        for (const { job_id, attempt } of records) {
          const runner = this.opts.runners().find((r) => r.job.job_id === job_id && r.job.attempt === attempt);
          runner?.abort('cancel_requested', 'watch');
        }
        // The server answers at once while a requested cancellation is still pending (the handler is stopping):
        // pace those answers instead of asking again in a tight loop.
        if (records.length > 0) await sleep(this.opts.waitMs > 0 ? 250 : 1_000, signal);
        else if (this.opts.waitMs === 0) await sleep(1_000, signal);
      } catch (err) {
        if (signal.aborted) return;
        // Unknown executor (re-registering), an outage, a refusal: heartbeats still deliver the request.
        if (!isTransient(err)) this.opts.log.debug({ err }, 'cancellation watch refused; retrying');
        await sleep(this.#backoff.next(), signal);
      }
    }
  }
}
