import http from 'node:http';
import type { Registry } from 'prom-client';
import { DomainError } from '../core/errors.js';
import { problemFor } from '../api/problems.js';

/**
 * `GET /metrics` without a token, on an address of the operator's choosing (`JOBPLANE_METRICS_ADDR`), as Prometheus
 * deployments usually scrape: a port only the monitoring network reaches, next to the API port that the public
 * reaches (where `/metrics` needs a token with metrics:read). It serves nothing else.
 */
export async function startMetricsListener(registry: Registry, host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const problem = (err: DomainError) => {
      const body = JSON.stringify(problemFor(err, path ?? '/'));
      res.writeHead(problemFor(err, '/').status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (path !== '/metrics') return problem(new DomainError('not_found', 'this listener serves GET /metrics only'));
    if (req.method !== 'GET' && req.method !== 'HEAD') return problem(new DomainError('validation_failed', 'use GET /metrics'));
    registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : text);
    }, () => problem(new DomainError('internal', 'the metrics could not be collected; see the server log')));
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
