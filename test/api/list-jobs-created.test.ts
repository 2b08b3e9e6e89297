import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { forecastJob, startTestServer, type TestServer } from '../support/harness.js';

/** GET /jobs?created_after=&created_before= (the dashboard's time filter): a half-open window [after, before). */
describe.each(backends())('GET /jobs by creation time (%s)', (backend) => {
  let server: TestServer;
  const jobs: Array<{ job_id: string; created_at: string }> = [];
  beforeAll(async () => {
    server = await startTestServer(backend);
    for (let i = 0; i < 4; i++) jobs.push((await server.request('POST', '/jobs', { body: forecastJob() })).body);
  });
  afterAll(async () => { await server?.close(); });

  const ids = async (q: string) => (await server.request('GET', `/jobs?order_by=created_at_asc&${q}`)).body.records.map((j: any) => j.job_id);

  it('keeps jobs created at or after created_after and before created_before', async () => {
    const [a, b, c, d] = jobs.map((j) => j.job_id);
    expect(await ids(`created_after=${jobs[1]!.created_at}`)).toEqual([b, c, d]);
    expect(await ids(`created_before=${jobs[2]!.created_at}`)).toEqual([a, b]);
    expect(await ids(`created_after=${jobs[1]!.created_at}&created_before=${jobs[3]!.created_at}`)).toEqual([b, c]);
    const res = await server.request('GET', `/jobs?created_after=${jobs[3]!.created_at}&created_before=${jobs[0]!.created_at}`);
    expect(res.body).toMatchObject({ total_records: 0, records: [] });
  });

  it('accepts any ISO 8601 offset and refuses what is not a date-time', async () => {
    const after = new Date(Date.parse(jobs[0]!.created_at) - 3_600_000).toISOString().replace('Z', '+00:00');
    expect((await ids(`created_after=${encodeURIComponent(after)}`))).toHaveLength(4);
    for (const bad of ['yesterday', '2026-13-01T00:00:00Z', '2026-12-01']) {
      const res = await server.request('GET', `/jobs?created_after=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.pointer ?? res.body.detail).toMatch(/created_after/);
    }
  });
});
