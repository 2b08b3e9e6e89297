import { vi } from 'vitest';

/**
 * Under `vi.useFakeTimers()`: fires the pending timers one at a time, in order (settling promises in between), until
 * `check()` holds, and returns how much fake time that took. Rejects if `check()` is still false when no timer is
 * left to fire (nothing can change any more) or after `limitMs` of fake time. The synchronisation of unit tests of
 * timing logic (heartbeats, backoff, grace periods, polling), which then assert counts, order and exact fake
 * milliseconds instead of wall-clock windows.
 */
export async function advanceUntil(check: () => boolean, opts: { limitMs?: number; what?: string } = {}): Promise<number> {
  const limitMs = opts.limitMs ?? 60_000;
  const start = Date.now();
  const waited = () => Date.now() - start;
  await vi.advanceTimersByTimeAsync(0); // what needs no timer at all
  while (!check()) {
    if (vi.getTimerCount() === 0) {
      throw new Error(`${opts.what ?? 'the condition'} still does not hold after ${waited()} fake ms, and no timer is left to fire`);
    }
    if (waited() > limitMs) throw new Error(`${opts.what ?? 'the condition'} still does not hold after ${limitMs} fake ms`);
    await vi.advanceTimersToNextTimerAsync();
  }
  return waited();
}

/** advanceUntil `promise` settles; its value (or its rejection) and the fake milliseconds that took. */
export async function settle<T>(promise: Promise<T>, limitMs = 60_000): Promise<{ value: T; elapsedMs: number }> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  promise.then((value) => { outcome = { ok: true, value }; }, (error: unknown) => { outcome = { ok: false, error }; });
  const elapsedMs = await advanceUntil(() => outcome !== undefined, { limitMs, what: 'the promise to settle' });
  if (!outcome!.ok) throw outcome!.error;
  return { value: outcome!.value, elapsedMs };
}
