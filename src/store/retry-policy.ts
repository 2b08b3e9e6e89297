/**
 * Exponential backoff with jitter for automatic retries: attempt n waits about base * 2^(n-1), capped, times a
 * random factor in [0.5, 1.5) so that jobs failed together by one outage do not all come back at the same instant.
 * Computed in SQL (from the row's own `attempt`) so that batch statements like lease expiry need no per-row JS.
 */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseMs: 1_000, maxMs: 5 * 60_000 };

/** SQL for `now() + backoff(attempt)`; `attemptSql` names the attempt column of the row being updated. */
export function retryAtSql(p: (value: unknown) => string, policy: RetryPolicy, attemptSql: string): string {
  return `now() + least(${p(policy.maxMs)}::float8, ${p(policy.baseMs)}::float8 * power(2, greatest(${attemptSql} - 1, 0)))
    * (0.5 + random()) * interval '1 millisecond'`;
}
