import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { forecastJob, materializeJob, startTestServer, type TestServer } from '../support/harness.js';
import { dbFingerprint } from '../support/db-fingerprint.js';
import { eventsOf } from '../support/job-factory.js';

describe.each(backends())('tenancy (%s)', (backend) => {
  let server: TestServer;
  let other: { companyId: number; dataPlaneId: string; token: string };
  let jobId: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    other = await server.otherCompany();
    jobId = (await server.request('POST', '/jobs', { body: forecastJob() })).body.job_id;
  });
  afterAll(async () => { await server?.close(); });

  it('another company cannot get, run, reschedule or cancel the job: 404, and nothing changes', async () => {
    const before = (await server.request('GET', `/jobs/${jobId}`)).body;
    const attempts: Array<[string, string, unknown]> = [
      ['GET', `/jobs/${jobId}`, undefined],
      ['GET', `/jobs/${jobId}/events`, undefined],
      ['POST', `/jobs/${jobId}/run`, { executor: 'job-executor-evil' }],
      ['POST', `/jobs/${jobId}/reschedule`, { force: true }],
      ['POST', `/jobs/${jobId}/request-cancellation`, undefined],
      ['POST', `/jobs/${jobId}/cancel`, undefined],
    ];
    for (const [method, path, body] of attempts) {
      const res = await server.request(method, path, { token: other.token, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
    expect((await server.request('GET', `/jobs/${jobId}`)).body).toEqual(before);
    expect(await eventsOf(server, jobId)).toHaveLength(1);
  });

  it('another company\'s list never shows the job, with or without filters', async () => {
    for (const query of ['', '?state=pending', `?data_plane_id=${server.dataPlaneId}`, '?type=nql-forecast&per_page=500']) {
      const res = await server.request('GET', `/jobs${query}`, { token: other.token });
      expect(res.status).toBe(200);
      expect(res.body.records.map((j: { job_id: string }) => j.job_id)).not.toContain(jobId);
      expect(res.body.total_records).toBe(0);
    }
  });

  it('another company cannot target the first company\'s data plane or see it', async () => {
    const res = await server.request('POST', '/jobs', { token: other.token, body: forecastJob({ data_plane_id: server.dataPlaneId }) });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].pointer).toBe('/data_plane_id');
    expect((await server.request('GET', `/data-planes/${server.dataPlaneId}`, { token: other.token })).status).toBe(404);
    const planes = await server.request('GET', '/data-planes', { token: other.token });
    expect(planes.body.records.map((p: { id: string }) => p.id)).toEqual([other.dataPlaneId]);
  });

  it('idempotency keys are per company: the same key in two companies makes two jobs', async () => {
    const a = await server.request('POST', '/jobs', { body: forecastJob({ idempotency_key: 'shared-key' }) });
    const b = await server.request('POST', '/jobs', { token: other.token, body: forecastJob({ idempotency_key: 'shared-key' }) });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.job_id).not.toBe(b.body.job_id);
  });

  it('a job may only name datasets of its own company, on its own plane: another company\'s id is not found, like a made-up one', async () => {
    const schema = { type: 'object', properties: { a: { type: 'long' } } };
    const theirs = (await server.request('POST', '/datasets', { token: other.token, body: { name: 'theirs', schema } })).body;
    const ours = (await server.request('POST', '/datasets', { body: { name: 'ours', schema } })).body;
    const before = await dbFingerprint(server.database.db);
    const attempts = [
      { name: 'their dataset as the target', body: materializeJob(theirs.id), status: 404 },
      { name: 'a made-up dataset as the target', body: materializeJob(987_654), status: 404 },
      { name: 'their dataset as an input', body: forecastJob({ inputs: [{ dataset_id: theirs.id, snapshot_id: null }] }), status: 404 },
      { name: 'a made-up dataset as an input', body: forecastJob({ inputs: [{ dataset_id: 987_654, snapshot_id: null }] }), status: 404 },
      { name: 'an input listed twice', body: forecastJob({ inputs: [{ dataset_id: ours.id, snapshot_id: null }, { dataset_id: ours.id, snapshot_id: null }] }), status: 400 },
    ];
    for (const a of attempts) {
      const res = await server.request('POST', '/jobs', { body: a.body });
      expect(res.status, a.name).toBe(a.status);
      expect(JSON.stringify(res.body), a.name).not.toContain(`"${theirs.data_plane_id}"`);
    }
    expect(await dbFingerprint(server.database.db)).toEqual(before);
    const fine = await server.request('POST', '/jobs', { body: materializeJob(ours.id, { inputs: [{ dataset_id: ours.id, snapshot_id: null }] }) });
    expect(fine.status).toBe(201);
    expect(fine.body.inputs).toEqual([{ dataset_id: ours.id, snapshot_id: null }]);
  });

  it('a job created without inputs reads the datasets its NQL names among its own company\'s, never another\'s', async () => {
    const schema = { type: 'object', properties: { a: { type: 'long' } } };
    const mine = (await server.request('POST', '/datasets', { body: { name: 'named_by_nql', schema } })).body;
    const theirs = (await server.request('POST', '/datasets', { token: other.token, body: { name: 'theirs_by_nql', schema } })).body;
    const nql = `EXPLAIN SELECT "a" FROM company_data."${mine.id}" UNION ALL SELECT "a" FROM company_data."${theirs.id}"`;
    const res = await server.request('POST', '/jobs', { body: { type: 'nql-forecast', input: { nql, compiled_sql: 'SELECT 1' } } });
    expect(res.status).toBe(201);
    expect(res.body.inputs).toEqual([{ dataset_id: mine.id, snapshot_id: null }]);
    // Text that does not parse names nothing: the job runs its compiled SQL as given.
    const raw = await server.request('POST', '/jobs', { body: { type: 'nql-forecast', input: { nql: 'not NQL at all (', compiled_sql: 'SELECT 1' } } });
    expect(raw.status).toBe(201);
    expect(raw.body.inputs).toEqual([]);
  });

  it('an operator token creates jobs on its own plane only', async () => {
    const plane = (await server.request('POST', '/data-planes', { body: { display_name: 'second plane' } })).body;
    const op = await server.token('jobs:write', { dataPlaneId: server.dataPlaneId });
    const elsewhere = await server.request('POST', '/jobs', { token: op.token, body: forecastJob({ data_plane_id: plane.id }) });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.errors[0].pointer).toBe('/data_plane_id');
    const own = await server.request('POST', '/jobs', { token: op.token, body: forecastJob() });
    expect(own.status).toBe(201);
    expect(own.body.data_plane_id).toBe(server.dataPlaneId);
    expect((await server.request('GET', `/jobs/${own.body.job_id}`, { token: op.token })).status).toBe(200);
  });

  it('an operator token sees the jobs of its plane and nothing else', async () => {
    const op = await server.token('jobs:write', { dataPlaneId: server.dataPlaneId });
    const list = await server.request('GET', '/jobs?per_page=500', { token: op.token });
    expect(list.body.records.every((j: { data_plane_id: string }) => j.data_plane_id === server.dataPlaneId)).toBe(true);
    const run = await server.request('POST', `/jobs/${jobId}/run`, { token: op.token, body: { executor: 'job-executor-op' } });
    expect(run.status).toBe(200);
    const otherJob = await server.request('POST', '/jobs', { token: other.token, body: forecastJob() });
    expect((await server.request('GET', `/jobs/${otherJob.body.job_id}`, { token: op.token })).status).toBe(404);
  });
});
