import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Aborts when the request's work has no one left to serve: the client's connection closed before the answer was
 * written (claiming for it now would hand a job to a dead executor; converting its upload would commit what no one
 * waits for), or the server started closing (long-polls must not hold the shutdown).
 */
export function requestLifetime(app: FastifyInstance, reply: FastifyReply): AbortSignal {
  const clientGone = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) clientGone.abort(new Error('the client closed the connection'));
  });
  return AbortSignal.any([clientGone.signal, app.closing.signal]);
}

/**
 * A long-poll: `look()` now, and again after each wake-up (or every `pollMs`, the safety net for a lost
 * notification), until it finds something, `waitMs` has passed, or `stop` fires. Returns the last look.
 *
 * The wake-up is armed before each look, not after it: a job created while a look's query runs sends its
 * notification then, and a waiter that subscribed only afterwards would miss it and sleep a whole poll interval
 * (bench/results/queue.md saw that as a create -> running p99 of one second against a p50 of 50 ms).
 */
export async function longPoll<T>(opts: {
  waitMs: number;
  pollMs: number;
  stop: AbortSignal;
  look: () => Promise<T[]>;
  wake: (ms: number, stop: AbortSignal) => Promise<void>;
}): Promise<T[]> {
  const deadline = Date.now() + opts.waitMs;
  for (;;) {
    const remaining = deadline - Date.now();
    const disarm = new AbortController();
    const signal = AbortSignal.any([opts.stop, disarm.signal]);
    const woken = remaining > 0 && !opts.stop.aborted ? opts.wake(Math.min(opts.pollMs, remaining), signal) : undefined;
    let found: T[];
    try {
      found = await opts.look();
    } catch (err) {
      disarm.abort(); // the armed wait's timer and listener go with it
      throw err;
    }
    if (found.length > 0 || !woken || Date.now() >= deadline || opts.stop.aborted) {
      disarm.abort();
      await woken;
      return found;
    }
    await woken;
  }
}
