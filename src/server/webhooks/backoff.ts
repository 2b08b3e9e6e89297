/**
 * The wait before attempt `attempt + 1` after attempt `attempt` failed: exponential (base, 2x base, 4x base, ...,
 * capped at maxMs) with "equal jitter", a random point in the upper half of that step, so that receivers coming
 * back from an outage are not hit by every server's retries in the same instant, and a wait is never shorter than
 * half its step. With the defaults (5 s, capped at 1 h) a delivery is tried about 35 times over its first day.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
