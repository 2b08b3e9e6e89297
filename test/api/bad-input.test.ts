import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { forecastJob, materializeJob, startTestServer, type TestServer } from '../support/harness.js';
import { dbFingerprint } from '../support/db-fingerprint.js';

interface BadCase {
  name: string;
  method: string;
  path: (jobId: string) => string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  status: number;
  /** The pointer the first error must name, when the problem is in a field. */
  pointer?: string;
}

const CASES: BadCase[] = [
  { name: 'malformed JSON', method: 'POST', path: () => '/jobs', rawBody: '{"type": "nql-forecast",', status: 400 },
  { name: 'JSON that is not an object', method: 'POST', path: () => '/jobs', rawBody: '[1,2,3]', status: 400 },
  { name: 'missing type', method: 'POST', path: () => '/jobs', body: { input: {} }, status: 400, pointer: '/type' },
  { name: 'unknown job type', method: 'POST', path: () => '/jobs', body: { ...forecastJob(), type: 'rm-rf' }, status: 400, pointer: '/type' },
  { name: 'input of the wrong shape for its type', method: 'POST', path: () => '/jobs', body: { type: 'materialize-view', input: { nql: 'x', compiled_sql: 'y' } }, status: 400, pointer: '/input/dataset_id' },
  { name: 'dataset_id as a string', method: 'POST', path: () => '/jobs', body: materializeJob(1, { input: { ...materializeJob().input, dataset_id: '6404' } }), status: 400, pointer: '/input/dataset_id' },
  { name: 'unknown field in input', method: 'POST', path: () => '/jobs', body: forecastJob({ input: { ...forecastJob().input, extra: 1 } }), status: 400, pointer: '/input/extra' },
  { name: 'unknown top-level field', method: 'POST', path: () => '/jobs', body: forecastJob({ prioritty: 5 }), status: 400, pointer: '/prioritty' },
  { name: 'priority out of range', method: 'POST', path: () => '/jobs', body: forecastJob({ priority: 1e9 }), status: 400, pointer: '/priority' },
  { name: 'max_attempts zero', method: 'POST', path: () => '/jobs', body: forecastJob({ max_attempts: 0 }), status: 400, pointer: '/max_attempts' },
  { name: 'unknown execution cluster', method: 'POST', path: () => '/jobs', body: forecastJob({ execution_cluster: { type: 'huge' } }), status: 400, pointer: '/execution_cluster/type' },
  { name: 'non-UUID data plane', method: 'POST', path: () => '/jobs', body: forecastJob({ data_plane_id: 'plane-1' }), status: 400, pointer: '/data_plane_id' },
  { name: 'unknown data plane', method: 'POST', path: () => '/jobs', body: forecastJob({ data_plane_id: '00000000-0000-4000-8000-000000000000' }), status: 400, pointer: '/data_plane_id' },
  { name: 'non-UUID job id', method: 'GET', path: () => '/jobs/123', status: 400, pointer: '/job_id' },
  { name: 'non-UUID job id on run', method: 'POST', path: () => '/jobs/not-a-uuid/run', body: { executor: 'e' }, status: 400, pointer: '/job_id' },
  { name: 'missing executor', method: 'POST', path: (id) => `/jobs/${id}/run`, body: {}, status: 400, pointer: '/executor' },
  { name: 'no body on run', method: 'POST', path: (id) => `/jobs/${id}/run`, status: 400 },
  { name: 'executor of the wrong type', method: 'POST', path: (id) => `/jobs/${id}/run`, body: { executor: 42 }, status: 400, pointer: '/executor' },
  { name: 'empty executor', method: 'POST', path: (id) => `/jobs/${id}/run`, body: { executor: '' }, status: 400, pointer: '/executor' },
  { name: 'executor with control characters', method: 'POST', path: (id) => `/jobs/${id}/run`, body: { executor: 'a\nb' }, status: 400, pointer: '/executor' },
  { name: 'force as a string', method: 'POST', path: (id) => `/jobs/${id}/reschedule`, body: { force: 'yes' }, status: 400, pointer: '/force' },
  { name: 'text body', method: 'POST', path: (id) => `/jobs/${id}/run`, rawBody: 'executor=x', headers: { 'content-type': 'text/plain' }, status: 415 },
  { name: 'oversized body', method: 'POST', path: () => '/jobs', body: forecastJob({ input: { nql: 'x'.repeat(2 * 1024 * 1024), compiled_sql: 'y' } }), status: 413 },
  { name: 'per_page over 500', method: 'GET', path: () => '/jobs?per_page=501', status: 400, pointer: '/per_page' },
  { name: 'negative page', method: 'GET', path: () => '/jobs?page=-1', status: 400, pointer: '/page' },
  { name: 'absurd offset', method: 'GET', path: () => '/jobs?offset=99999999999999', status: 400, pointer: '/offset' },
  { name: 'page as text', method: 'GET', path: () => '/jobs?page=first', status: 400, pointer: '/page' },
  { name: 'unknown state filter', method: 'GET', path: () => '/jobs?state=done', status: 400, pointer: '/state' },
  { name: 'unknown order', method: 'GET', path: () => '/jobs?order_by=random', status: 400, pointer: '/order_by' },
  { name: 'unknown query parameter', method: 'GET', path: () => '/jobs?sate=pending', status: 400, pointer: '/sate' },
  { name: 'non-integer dataset_id filter', method: 'GET', path: () => '/jobs?dataset_id=abc', status: 400, pointer: '/dataset_id' },
  { name: 'token with unknown permission', method: 'POST', path: () => '/access-tokens/tokens', body: { name: 'x', permissions: [{ resource: 'everything', access: 'write' }] }, status: 400, pointer: '/permissions/0/resource' },
  { name: 'token expiring in the past', method: 'POST', path: () => '/access-tokens/tokens', body: { name: 'x', permissions: [{ resource: 'jobs', access: 'read' }], expires_at: '2001-01-01T00:00:00Z' }, status: 400, pointer: '/expires_at' },
  { name: 'data plane with unknown engine', method: 'POST', path: () => '/data-planes', body: { display_name: 'x', engine: 'oracle' }, status: 400, pointer: '/engine' },
  { name: 'compute pool with zero concurrency', method: 'POST', path: () => '/data-planes/00000000-0000-4000-8000-000000000000/compute-pools', body: { name: 'p', max_concurrency: 0 }, status: 400, pointer: '/max_concurrency' },
  { name: 'unknown route', method: 'GET', path: () => '/jobz', status: 404 },
];

describe.each(backends())('bad input gets a clear 4xx and changes nothing (%s)', (backend) => {
  let server: TestServer;
  let jobId: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    jobId = (await server.request('POST', '/jobs', { body: forecastJob() })).body.job_id;
  });
  afterAll(async () => { await server?.close(); });

  for (const c of CASES) {
    it(c.name, async () => {
      const before = await dbFingerprint(server.database.db);
      const res = await server.request(c.method, c.path(jobId), {
        ...(c.body !== undefined ? { body: c.body } : {}),
        ...(c.rawBody !== undefined ? { rawBody: c.rawBody } : {}),
        ...(c.headers ? { headers: c.headers } : {}),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(c.status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({ status: c.status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
      expect(res.body.detail.length).toBeGreaterThan(5);
      if (c.pointer) expect(res.body.errors?.map((e: { pointer: string }) => e.pointer)).toContain(c.pointer);
      expect(await dbFingerprint(server.database.db)).toEqual(before);
    });
  }

  it('a repeated idempotency key returns the first job (200) and creates nothing', async () => {
    const first = await server.request('POST', '/jobs', { body: forecastJob({ idempotency_key: 'k-1' }) });
    expect(first.status).toBe(201);
    const before = await dbFingerprint(server.database.db);
    const again = await server.request('POST', '/jobs', { body: forecastJob({ idempotency_key: 'k-1' }) });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await dbFingerprint(server.database.db)).toEqual(before);
  });

  it('the same idempotency key with a different input is a 409, not a silent success', async () => {
    await server.request('POST', '/jobs', { body: forecastJob({ idempotency_key: 'k-2' }) });
    const before = await dbFingerprint(server.database.db);
    const res = await server.request('POST', '/jobs', { body: { type: 'nql-forecast', input: { nql: 'EXPLAIN other', compiled_sql: 'x' }, idempotency_key: 'k-2' } });
    expect(res.status).toBe(409);
    expect(await dbFingerprint(server.database.db)).toEqual(before);
  });
});
