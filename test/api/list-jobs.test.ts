import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { forecastJob, materializeJob, startTestServer, type TestServer } from '../support/harness.js';

describe.each(backends())('GET /jobs (%s)', (backend) => {
  let server: TestServer;
  const ids: string[] = [];
  const datasets: number[] = [];
  beforeAll(async () => {
    server = await startTestServer(backend);
    // A materialize-view job writes a dataset of the caller's company: make three.
    for (let i = 0; i < 3; i++) {
      const created = await server.request('POST', '/datasets', {
        body: { name: `target_${i}`, schema: { type: 'object', properties: { a: { type: 'long' } } } },
      });
      datasets.push(created.body.id);
    }
    // Sequential on purpose: created_at order is what the list sorts by.
    for (let i = 0; i < 7; i++) {
      const body = i % 2 === 0 ? forecastJob() : materializeJob(datasets[i % 3]!);
      ids.push((await server.request('POST', '/jobs', { body })).body.job_id);
    }
    await server.request('POST', `/jobs/${ids[0]}/run`, { body: { executor: 'job-executor-1' } });
  });
  afterAll(async () => { await server?.close(); });

  it('pages newest first with Narrative\'s pagination fields', async () => {
    const p1 = await server.request('GET', '/jobs?per_page=3');
    expect(p1.body).toMatchObject({ current_page: 1, total_records: 7, total_pages: 3 });
    expect(p1.body.records.map((j: any) => j.job_id)).toEqual([ids[6], ids[5], ids[4]]);
    const p3 = await server.request('GET', '/jobs?per_page=3&page=3');
    expect(p3.body.records.map((j: any) => j.job_id)).toEqual([ids[0]]);
    const past = await server.request('GET', '/jobs?per_page=3&page=9');
    expect(past.body).toMatchObject({ current_page: 9, total_records: 7, records: [] });
  });

  it('supports offset and every order', async () => {
    const res = await server.request('GET', '/jobs?per_page=2&offset=2&order_by=created_at_asc');
    expect(res.body.records.map((j: any) => j.job_id)).toEqual([ids[2], ids[3]]);
    expect(res.body.current_page).toBe(2);
    const updated = await server.request('GET', '/jobs?per_page=1&order_by=updated_at_desc');
    expect(updated.body.records[0].job_id).toBe(ids[0]);
  });

  it('filters by state, type, data plane and dataset', async () => {
    const running = await server.request('GET', '/jobs?state=running');
    expect(running.body.records.map((j: any) => j.job_id)).toEqual([ids[0]]);
    const mv = await server.request('GET', '/jobs?type=materialize-view');
    expect(mv.body.total_records).toBe(3);
    const ds = await server.request('GET', `/jobs?dataset_id=${datasets[1]}`);
    expect(ds.body.records.map((j: any) => j.input.dataset_id)).toEqual([datasets[1]]);
    const plane = await server.request('GET', `/jobs?data_plane_id=${server.dataPlaneId}&per_page=500`);
    expect(plane.body.total_records).toBe(7);
  });
});
