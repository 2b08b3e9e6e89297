import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { backends } from '../support/backends.js';
import { forecastJob, startTestServer, type TestServer } from '../support/harness.js';
import { SEED_SCHEMA } from '../fixtures/seed.js';

type Ids = { job: string; plane: string; token: string; executor: string; dataset: number; webhook: string };
type Need = [resource: string, access: 'read' | 'write'] | 'any';

/** Every authenticated endpoint with the permission it needs. A test below checks the list is complete. */
function endpoints(ids: Ids): Array<{ method: string; path: string; route: string; need: Need; body?: unknown; status?: number }> {
  return [
    { method: 'GET', path: '/jobs', route: '/jobs', need: ['jobs', 'read'] },
    { method: 'POST', path: '/jobs', route: '/jobs', need: ['jobs', 'write'], body: forecastJob() },
    { method: 'GET', path: `/jobs/${ids.job}`, route: '/jobs/{job_id}', need: ['jobs', 'read'] },
    { method: 'GET', path: `/jobs/${ids.job}/events`, route: '/jobs/{job_id}/events', need: ['jobs', 'read'] },
    { method: 'POST', path: `/jobs/${ids.job}/run`, route: '/jobs/{job_id}/run', need: ['jobs', 'write'], body: { executor: 'job-executor-x' } },
    { method: 'POST', path: `/jobs/${ids.job}/reschedule`, route: '/jobs/{job_id}/reschedule', need: ['jobs', 'write'] },
    { method: 'POST', path: `/jobs/${ids.job}/request-cancellation`, route: '/jobs/{job_id}/request-cancellation', need: ['jobs', 'write'] },
    { method: 'POST', path: `/jobs/${ids.job}/cancel`, route: '/jobs/{job_id}/cancel', need: ['jobs', 'write'] },
    { method: 'GET', path: '/data-planes', route: '/data-planes', need: ['data-planes', 'read'] },
    { method: 'POST', path: '/data-planes', route: '/data-planes', need: ['data-planes', 'write'], body: { display_name: 'x' } },
    { method: 'GET', path: `/data-planes/${ids.plane}`, route: '/data-planes/{data_plane_id}', need: ['data-planes', 'read'] },
    { method: 'POST', path: `/data-planes/${ids.plane}/heartbeat`, route: '/data-planes/{data_plane_id}/heartbeat', need: ['data-planes', 'write'] },
    { method: 'GET', path: `/data-planes/${ids.plane}/compute-pools`, route: '/data-planes/{data_plane_id}/compute-pools', need: ['data-planes', 'read'] },
    { method: 'POST', path: `/data-planes/${ids.plane}/compute-pools`, route: '/data-planes/{data_plane_id}/compute-pools', need: ['data-planes', 'write'], body: { name: `p${Math.random().toString(36).slice(2, 8)}`, max_concurrency: 2 } },
    { method: 'GET', path: '/whoami', route: '/whoami', need: 'any' },
    { method: 'GET', path: '/access-tokens/tokens', route: '/access-tokens/tokens', need: ['access-tokens', 'read'] },
    { method: 'POST', path: '/access-tokens/tokens', route: '/access-tokens/tokens', need: ['access-tokens', 'write'], body: { name: 't', permissions: [{ resource: 'jobs', access: 'read' }] } },
    { method: 'DELETE', path: `/access-tokens/tokens/${ids.token}`, route: '/access-tokens/tokens/{access_token_id}', need: ['access-tokens', 'write'] },
    { method: 'POST', path: '/jobs/claim', route: '/jobs/claim', need: ['jobs', 'write'], body: { executor: 'job-executor-x', data_plane_id: ids.plane } },
    { method: 'POST', path: `/jobs/${ids.job}/heartbeat`, route: '/jobs/{job_id}/heartbeat', need: ['jobs', 'write'], body: { executor: 'job-executor-x', attempt: 1 } },
    { method: 'POST', path: `/jobs/${ids.job}/complete`, route: '/jobs/{job_id}/complete', need: ['jobs', 'write'], body: { executor: 'job-executor-x', attempt: 1, result: {} } },
    { method: 'POST', path: `/jobs/${ids.job}/fail`, route: '/jobs/{job_id}/fail', need: ['jobs', 'write'], body: { executor: 'job-executor-x', attempt: 1, failure: { message: 'x' } } },
    { method: 'POST', path: '/executors', route: '/executors', need: ['data-planes', 'write'], body: { data_plane_id: ids.plane, types: [], slots: 1 } },
    { method: 'GET', path: '/executors', route: '/executors', need: ['data-planes', 'read'] },
    { method: 'GET', path: `/executors/${ids.executor}`, route: '/executors/{executor_id}', need: ['data-planes', 'read'] },
    { method: 'GET', path: `/executors/${ids.executor}/cancellations`, route: '/executors/{executor_id}/cancellations', need: ['data-planes', 'read'] },
    { method: 'POST', path: `/executors/${ids.executor}/heartbeat`, route: '/executors/{executor_id}/heartbeat', need: ['data-planes', 'write'] },
    { method: 'POST', path: `/executors/${ids.executor}/drain`, route: '/executors/{executor_id}/drain', need: ['data-planes', 'write'] },
    { method: 'DELETE', path: `/executors/${ids.executor}`, route: '/executors/{executor_id}', need: ['data-planes', 'write'] },
    { method: 'POST', path: '/datasets', route: '/datasets', need: ['datasets', 'write'], body: { name: `d${Math.random().toString(36).slice(2, 8)}`, schema: SEED_SCHEMA } },
    { method: 'GET', path: '/datasets', route: '/datasets', need: ['datasets', 'read'] },
    { method: 'GET', path: `/datasets/${ids.dataset}`, route: '/datasets/{dataset_id}', need: ['datasets', 'read'] },
    { method: 'GET', path: `/datasets/${ids.dataset}/snapshots`, route: '/datasets/{dataset_id}/snapshots', need: ['datasets', 'read'] },
    { method: 'GET', path: `/datasets/${ids.dataset}/snapshots/1`, route: '/datasets/{dataset_id}/snapshots/{snapshot_id}', need: ['datasets', 'read'], status: 404 },
    { method: 'GET', path: `/datasets/${ids.dataset}/snapshots/1/column-stats`, route: '/datasets/{dataset_id}/snapshots/{snapshot_id}/column-stats', need: ['datasets', 'read'], status: 404 },
    { method: 'POST', path: `/datasets/${ids.dataset}/import?format=csv`, route: '/datasets/{dataset_id}/import', need: ['datasets', 'write'], body: 'a\n1\n' },
    { method: 'POST', path: '/datasets/import?name=auth_import&format=csv', route: '/datasets/import', need: ['datasets', 'write'], body: 'a\n1\n' },
    { method: 'POST', path: '/nql/validate', route: '/nql/validate', need: ['nql', 'read'], body: { nql: `EXPLAIN SELECT "hashed_email" FROM company_data."${ids.dataset}"` } },
    { method: 'POST', path: '/nql/compile', route: '/nql/compile', need: ['nql', 'read'], body: { nql: `EXPLAIN SELECT "hashed_email" FROM company_data."${ids.dataset}"` } },
    { method: 'POST', path: '/nql/run', route: '/nql/run', need: ['nql', 'write'], body: { nql: `EXPLAIN SELECT "hashed_email" FROM company_data."${ids.dataset}"` } },
    { method: 'GET', path: `/nql/${ids.job}`, route: '/nql/{job_id}', need: ['nql', 'read'] },
    { method: 'GET', path: '/metrics', route: '/metrics', need: ['metrics', 'read'] },
    { method: 'POST', path: '/jobs/complete', route: '/jobs/complete', need: ['jobs', 'write'], body: { executor: 'job-executor-x', items: [] } },
    { method: 'POST', path: '/jobs/fail', route: '/jobs/fail', need: ['jobs', 'write'], body: { executor: 'job-executor-x', items: [] } },
    { method: 'POST', path: '/jobs/heartbeat', route: '/jobs/heartbeat', need: ['jobs', 'write'], body: { executor: 'job-executor-x', items: [] } },
    { method: 'GET', path: `/jobs/${ids.job}/explain`, route: '/jobs/{job_id}/explain', need: ['jobs', 'read'] },
    { method: 'GET', path: '/jobs/stats', route: '/jobs/stats', need: ['jobs', 'read'] },
    { method: 'GET', path: '/jobs/stats/throughput', route: '/jobs/stats/throughput', need: ['jobs', 'read'] },
    // The JSON page of the feed (an SSE request would stay open).
    { method: 'GET', path: '/events?limit=10&format=json', route: '/events', need: ['jobs', 'read'] },
    { method: 'GET', path: `/datasets/${ids.dataset}/snapshots/1/rows`, route: '/datasets/{dataset_id}/snapshots/{snapshot_id}/rows', need: ['datasets', 'read'], status: 404 },
    { method: 'POST', path: `/datasets/${ids.dataset}/refresh-materialized-view`, route: '/datasets/{dataset_id}/refresh-materialized-view', need: ['datasets', 'write'], body: { type: 'full' } },
    // Not a view: the schedule does not exist (404), which a read-only token is allowed to learn.
    { method: 'GET', path: `/datasets/${ids.dataset}/refresh-schedule`, route: '/datasets/{dataset_id}/refresh-schedule', need: ['datasets', 'read'], status: 404 },
    { method: 'POST', path: `/datasets/${ids.dataset}/refresh-schedule`, route: '/datasets/{dataset_id}/refresh-schedule', need: ['datasets', 'write'], body: { cron: '@hourly' } },
    { method: 'PUT', path: `/datasets/${ids.dataset}/refresh-schedule`, route: '/datasets/{dataset_id}/refresh-schedule', need: ['datasets', 'write'], body: { cron: '@hourly' } },
    { method: 'DELETE', path: `/datasets/${ids.dataset}/refresh-schedule`, route: '/datasets/{dataset_id}/refresh-schedule', need: ['datasets', 'write'] },
    { method: 'POST', path: `/datasets/${ids.dataset}/columns-stats/recalculate`, route: '/datasets/{dataset_id}/columns-stats/recalculate', need: ['datasets', 'write'], body: {} },
    { method: 'POST', path: '/webhooks', route: '/webhooks', need: ['webhooks', 'write'], body: { type: 'webhook_subscription_jobs', url: 'https://93.184.215.14/hook' } },
    { method: 'GET', path: '/webhooks', route: '/webhooks', need: ['webhooks', 'read'] },
    { method: 'GET', path: `/webhooks/${ids.webhook}`, route: '/webhooks/{webhook_id}', need: ['webhooks', 'read'] },
    { method: 'POST', path: `/webhooks/${ids.webhook}/archive`, route: '/webhooks/{webhook_id}/archive', need: ['webhooks', 'write'] },
    { method: 'POST', path: `/webhooks/${ids.webhook}/enable`, route: '/webhooks/{webhook_id}/enable', need: ['webhooks', 'write'] },
    { method: 'GET', path: `/webhooks/${ids.webhook}/deliveries`, route: '/webhooks/{webhook_id}/deliveries', need: ['webhooks', 'read'] },
    { method: 'POST', path: `/webhooks/${ids.webhook}/deliveries/${randomUUID()}/retry`, route: '/webhooks/{webhook_id}/deliveries/{delivery_id}/retry', need: ['webhooks', 'write'] },
  ];
}

const PUBLIC_ROUTES = ['/healthz', '/readyz'];

describe.each(backends())('authentication and permissions on every endpoint (%s)', (backend) => {
  let server: TestServer;
  let ids: Ids;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer(backend);
    const job = await server.request('POST', '/jobs', { body: forecastJob() });
    const victim = await server.token('jobs:read');
    const executor = await server.request('POST', '/executors', { body: { data_plane_id: server.dataPlaneId, types: [], slots: 1 } });
    const dataset = await server.request('POST', '/datasets', { body: { name: 'auth_matrix', schema: SEED_SCHEMA } });
    const webhook = await server.request('POST', '/webhooks', { body: { type: 'webhook_subscription_jobs', url: 'https://93.184.215.14/auth' } });
    ids = { job: job.body.job_id, plane: server.dataPlaneId, token: victim.id, executor: executor.body.id, dataset: dataset.body.id, webhook: webhook.body.id };
    const revoked = await server.token('all');
    await server.request('DELETE', `/access-tokens/tokens/${revoked.id}`);
    tokens['revoked'] = revoked.token;
    const expired = await server.token('all', { expiresInSeconds: 3600 });
    // Time travel for the one token: its expiry moves into the past (the API refuses to create such a token).
    await server.database.db.query(`UPDATE access_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.id]);
    tokens['expired'] = expired.token;
    tokens['unknown'] = `jp_${'A'.repeat(43)}`;
    tokens['malformed'] = 'not-a-token';
    for (const r of ['jobs', 'data-planes', 'access-tokens', 'datasets', 'nql', 'metrics', 'webhooks']) tokens[`${r}:read`] = (await server.token(`${r}:read`)).token;
    tokens['nothing-relevant'] = (await server.token('access-tokens:read')).token;
    tokens['nothing-relevant-for-tokens'] = (await server.token('nql:read')).token;
  });
  afterAll(async () => { await server?.close(); });

  it('covers every route of the OpenAPI document', async () => {
    const doc = (await server.request('GET', '/openapi.json', { token: null })).body;
    const listed = new Set(endpoints(ids).map((e) => `${e.method} ${e.route}`));
    for (const [path, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
      if (PUBLIC_ROUTES.includes(path)) continue;
      for (const method of Object.keys(ops)) expect(listed, `${method} ${path}`).toContain(`${method.toUpperCase()} ${path}`);
    }
  });

  it('refuses a request without, or with a malformed, unknown, revoked or expired token (401)', async () => {
    for (const e of endpoints(ids)) {
      const cases: Array<[string | null, Record<string, string>?]> = [
        [null], [tokens['malformed']!], [tokens['unknown']!], [tokens['revoked']!], [tokens['expired']!],
        [null, { authorization: 'Basic dXNlcjpwYXNz' }],
      ];
      for (const [token, headers] of cases) {
        const res = await server.request(e.method, e.path, { token, body: e.body, ...(headers ? { headers } : {}) });
        expect(res.status, `${e.method} ${e.path} with ${token ?? JSON.stringify(headers)}`).toBe(401);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.headers.get('www-authenticate')).toContain('Bearer');
        expect(res.body).toMatchObject({ status: 401, code: 'unauthenticated' });
      }
    }
  });

  it('refuses a token without the permission (403) and accepts a read-only token on read endpoints', async () => {
    for (const e of endpoints(ids)) {
      if (e.need === 'any') continue;
      const [resource, access] = e.need;
      const readOnly = await server.request(e.method, e.path, { token: tokens[`${resource}:read`]!, body: e.body });
      if (access === 'write') {
        expect(readOnly.status, `${e.method} ${e.path} read-only`).toBe(403);
        expect(readOnly.body.code).toBe('forbidden');
      } else {
        expect(readOnly.status, `${e.method} ${e.path} read-only`).toBe(e.status ?? 200);
      }
      const unrelatedToken = resource === 'access-tokens' ? tokens['nothing-relevant-for-tokens']! : tokens['nothing-relevant']!;
      const unrelated = await server.request(e.method, e.path, { token: unrelatedToken, body: e.body });
      expect(unrelated.status, `${e.method} ${e.path} unrelated`).toBe(403);
    }
  });

  it('a revoked token stops working at once, and revoking it again is harmless', async () => {
    const t = await server.token('jobs:read');
    expect((await server.request('GET', '/jobs', { token: t.token })).status).toBe(200);
    expect((await server.request('DELETE', `/access-tokens/tokens/${t.id}`)).status).toBe(200);
    expect((await server.request('GET', '/jobs', { token: t.token })).status).toBe(401);
    const again = await server.request('DELETE', `/access-tokens/tokens/${t.id}`);
    expect(again.status).toBe(200);
    expect(again.body.revoked_at).not.toBeNull();
  });

  it('shows a created token once and stores only its hash', async () => {
    const res = await server.request('POST', '/access-tokens/tokens', {
      body: { name: 'ci', permissions: [{ resource: 'jobs', access: 'read' }] },
    });
    expect(res.status).toBe(201);
    expect(res.body.access_token).toMatch(/^jp_[A-Za-z0-9_-]{43}$/);
    const list = await server.request('GET', '/access-tokens/tokens');
    expect(JSON.stringify(list.body)).not.toContain(res.body.access_token);
    const stored = await server.database.db.query<{ token_hash: string }>('SELECT token_hash FROM access_tokens WHERE id = $1', [res.body.id]);
    expect(stored[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await server.request('GET', '/whoami', { token: res.body.access_token })).status).toBe(200);
  });

  it('does not let a token mint a token with more permissions than it has', async () => {
    const t = await server.token('access-tokens:write');
    const res = await server.request('POST', '/access-tokens/tokens', {
      token: t.token, body: { name: 'escalate', permissions: [{ resource: 'jobs', access: 'write' }] },
    });
    expect(res.status).toBe(403);
  });

  it('keeps health endpoints public', async () => {
    expect((await server.request('GET', '/healthz', { token: null })).status).toBe(200);
    expect((await server.request('GET', '/readyz', { token: null })).body).toMatchObject({ status: 'ready' });
  });

  it('an unknown job id is 404, not 401/403, for an authorized caller', async () => {
    const res = await server.request('GET', `/jobs/${randomUUID()}`);
    expect(res.status).toBe(404);
  });
});
