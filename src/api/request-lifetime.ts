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
 */
export async function longPoll<T>(opts: {
  waitMs: number;
  pollMs: number;
  stop: AbortSignal;
  look: () => Promise<T[]>;
  wake: (ms: number, stop: AbortSignal) => Promise<void>;
}): Promise<T[]> {
  const deadline = Date.now() + opts.waitMs;
  let found = await opts.look();
  while (found.length === 0 && Date.now() < deadline && !opts.stop.aborted) {
    await opts.wake(Math.min(opts.pollMs, deadline - Date.now()), opts.stop);
    if (!opts.stop.aborted) found = await opts.look();
  }
  return found;
}
