import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestServer, type TestServer } from '../support/harness.js';

describe('the OpenAPI document', () => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer('pglite'); });
  afterAll(async () => { await server?.close(); });

  it('is valid OpenAPI 3.1 by a standard validator', async () => {
    const res = await server.request('GET', '/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents the seed\'s Run a job operation with its body and the Job fields', async () => {
    const doc = (await server.request('GET', '/openapi.json', { token: null })).body;
    const run = doc.paths['/jobs/{job_id}/run'].post;
    expect(run.summary).toBe('Run a job');
    expect(run.description).toContain('Requires write access to jobs');
    expect(run.requestBody.content['application/json'].schema.required).toEqual(['executor']);
    const job = doc.components.schemas.Job;
    for (const field of ['job_id', 'data_plane_id', 'request_source', 'state', 'type', 'input', 'executor', 'failures',
      'idempotency_key', 'result', 'created_at', 'updated_at', 'ended_at', 'compute_pool_id', 'execution_cluster']) {
      expect(Object.keys(job.properties)).toContain(field);
    }
    expect(job.properties.state.enum).toEqual(expect.arrayContaining(['failed', 'cancelled', 'completed', 'pending', 'pending_cancellation', 'running']));
  });

  it('serves a docs UI', async () => {
    const res = await fetch(`${server.url}/docs`, { redirect: 'follow' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<html');
  });
});
