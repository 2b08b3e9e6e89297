import type { FastifyInstance } from 'fastify';
import { databaseAnswers } from '../../store/metrics-queries.js';
import { Type } from 'typebox';
import { DomainError } from '../../core/errors.js';
import { problemResponses } from '../schemas/common.js';

export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', {
    config: { public: true },
    schema: { tags: ['health'], summary: 'Liveness: the process serves HTTP.', security: [],
      response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
  }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', {
    config: { public: true },
    schema: { tags: ['health'], summary: 'Readiness: started (sample data and operator included), not shutting down, and the database answers.', security: [],
      response: { 200: Type.Object({ status: Type.Literal('ready'), database: Type.String() }), ...problemResponses(503) } },
  }, async () => {
    // A load balancer should send nothing yet, or nothing more: 503 while starting up and while shutting down.
    if (app.closing.signal.aborted) throw new DomainError('service_unavailable', 'the server is shutting down');
    if (app.readiness.starting) throw new DomainError('service_unavailable', `the server is starting: ${app.readiness.starting}`);
    try {
      await databaseAnswers(app.db);
    } catch (err) {
      throw new DomainError('service_unavailable', `the database is unreachable: ${(err as Error).message}`);
    }
    return { status: 'ready' as const, database: app.db.kind };
  });

  // Metrics say how much work each tenant's planes do and which routes are hit: not for anyone who can reach the
  // port. A scraper presents a token with metrics:read, or scrapes the separate listener of JOBPLANE_METRICS_ADDR
  // (src/server/metrics-listener.ts), which an operator binds to an address only the monitoring network reaches.
  app.get('/metrics', {
    config: { auth: { resource: 'metrics', access: 'read' } },
    schema: { tags: ['health'], summary: 'Prometheus metrics (a token with metrics:read; or JOBPLANE_METRICS_ADDR, see docs/operations.md)' },
  }, async (_request, reply) => {
    reply.type(app.metrics.registry.contentType);
    return app.metrics.registry.metrics();
  });

  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}
