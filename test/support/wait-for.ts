/**
 * Polls `check` until it returns a truthy value, which is returned, or fails after `timeoutMs` with `message`.
 * Tests wait for conditions this way, never by sleeping a fixed time: on a loaded machine a fixed sleep is either
 * too short (flaky) or too long (slow).
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out: ${opts.message ?? 'condition not met'}${last ? ` (last error: ${String(last)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}
