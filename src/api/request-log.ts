import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * Per-request log lines at debug, one per request (method, URL, status, milliseconds), instead of Fastify's two
 * lines at info ("incoming request", "request completed"): at the default level a server's log says what happened
 * to jobs, not every poll it answered (issue 10: 1,890 lines in 34 minutes of an idle terminal). `LOG_LEVEL=debug`
 * brings them back; /metrics counts requests either way. Errors stay at error.
 */
export class DebugRequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.debug(line, 'request');
  }
}
