import { isTransient } from '../../client/errors.js';
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import type { OutageLog } from './outage-log.js';

export class GaveUpError extends Error {
  constructor(what: string) {
    super(`gave up on ${what}: the operator is stopping`);
    this.name = 'GaveUpError';
  }
}

export interface RetryOptions {
  /** For the outage log: what was being done. */
  what: string;
  outage: OutageLog;
  backoff?: BackoffOptions | undefined;
  /** Stops retrying (rejects with GaveUpError) when aborted. */
  giveUp?: AbortSignal | undefined;
}

/**
 * Calls `fn` until it succeeds or fails for a reason a retry cannot fix. Transient failures (no answer, 5xx, 429)
 * are retried with backoff for as long as it takes: an operator outlives API restarts instead of crashing.
 * Every other error (409 stale lease, 404, 400) is returned to the caller at once.
 */
export async function withApiRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const backoff = new Backoff(opts.backoff);
  for (;;) {
    if (opts.giveUp?.aborted) throw new GaveUpError(opts.what);
    try {
      const value = await fn();
      opts.outage.recovered();
      return value;
    } catch (err) {
      if (!isTransient(err)) {
        opts.outage.recovered(); // the API answered, so it is up
        throw err;
      }
      opts.outage.failed(err, opts.what);
      if (!(await sleep(backoff.next(), opts.giveUp))) throw new GaveUpError(opts.what);
    }
  }
}
