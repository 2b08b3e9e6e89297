/**
 * Exponential backoff with jitter, for retrying calls to an API that is down. The delay doubles from `initialMs`
 * up to `maxMs`; each delay is drawn from [d/2, d) ("equal jitter") so that many operators hit by the same outage
 * do not come back in lockstep, while a delay never collapses to zero.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  /** Injectable for tests; returns [0, 1). */
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 10_000 };

export class Backoff {
  private failures = 0;

  constructor(private readonly opts: BackoffOptions = DEFAULT_BACKOFF) {}

  /** The delay before the next retry; each call counts one more failure. */
  next(): number {
    const { initialMs, maxMs, factor = 2, random = Math.random } = this.opts;
    const ceiling = Math.min(maxMs, initialMs * factor ** this.failures);
    this.failures++;
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}

/** Waits `ms`, or less if `signal` aborts. Resolves `false` when cut short, so loops can check and leave. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
