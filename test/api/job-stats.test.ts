import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { forecastJob, startTestServer, type TestServer } from '../support/harness.js';
import { eventsOf, jobInState } from '../support/job-factory.js';

const STATES = ['pending', 'running', 'completed', 'failed', 'pending_cancellation', 'cancelled'];

describe.each(backends())('GET /jobs/stats and /jobs/stats/throughput (%s)', (backend) => {
  let server: TestServer;
  const made: Record<string, number> = Object.fromEntries(STATES.map((s) => [s, 0]));
  const jobIds: string[] = [];
  beforeAll(async () => {
    // Retries an hour away: a job failed with a retry stays failed (and counted as retry_scheduled) meanwhile.
    server = await startTestServer(backend, { extraJobTypes: ['test-echo'], retry: { baseMs: 3_600_000, maxMs: 3_600_000 } });
    // Through the real transitions: 2 forecasts in each state, a third failed one that will be retried, and 3
    // pending jobs of another type.
    for (const state of STATES) {
      for (let i = 0; i < 2; i++) {
        jobIds.push((await jobInState(server, state as never)).job_id);
        made[state]!++;
      }
    }
    const retried = (await server.request('POST', '/jobs', { body: forecastJob() })).body.job_id;
    const run = await server.request('POST', `/jobs/${retried}/run`, { body: { executor: 'job-executor-x' } });
    await server.request('POST', `/jobs/${retried}/fail`, { body: { executor: 'job-executor-x', attempt: run.body.attempt, failure: { message: 'again' }, retryable: true } });
    jobIds.push(retried);
    made['failed']!++;
    for (let i = 0; i < 3; i++) {
      jobIds.push((await server.request('POST', '/jobs', { body: { type: 'test-echo', input: { i } } })).body.job_id);
      made['pending']!++;
    }
  });
  afterAll(async () => { await server?.close(); });

  it('counts the company\'s jobs by state and by type', async () => {
    const res = await server.request('GET', '/jobs/stats');
    expect(res.status).toBe(200);
    expect(res.body.counts).toEqual(made);
    expect(res.body.total).toBe(16);
    expect(res.body.retry_scheduled).toBe(1);
    expect(res.body.by_type['nql-forecast']).toEqual({ ...Object.fromEntries(STATES.map((s) => [s, 2])), failed: 3 });
    expect(res.body.by_type['test-echo']).toEqual({ ...Object.fromEntries(STATES.map((s) => [s, 0])), pending: 3 });
  });

  it('filters by type and data plane', async () => {
    const echo = await server.request('GET', '/jobs/stats?type=test-echo');
    expect(echo.body.total).toBe(3);
    expect(Object.keys(echo.body.by_type)).toEqual(['test-echo']);
    const plane = await server.request('GET', `/jobs/stats?data_plane_id=${server.dataPlaneId}`);
    expect(plane.body.total).toBe(16);
    const otherPlane = (await server.request('POST', '/data-planes', { body: { display_name: 'empty' } })).body.id;
    const empty = await server.request('GET', `/jobs/stats?data_plane_id=${otherPlane}`);
    expect(empty.body).toEqual({ counts: Object.fromEntries(STATES.map((s) => [s, 0])), by_type: {}, total: 0, retry_scheduled: 0 });
  });

  it('shows each caller only its own jobs, and needs jobs:read', async () => {
    const other = await server.otherCompany();
    expect((await server.request('GET', '/jobs/stats', { token: other.token })).body.total).toBe(0);
    const operator = await server.token('jobs:write', { dataPlaneId: server.dataPlaneId });
    expect((await server.request('GET', '/jobs/stats', { token: operator.token })).body.total).toBe(16);
    const datasetsOnly = await server.token('datasets:read');
    expect((await server.request('GET', '/jobs/stats', { token: datasetsOnly.token })).status).toBe(403);
    expect((await server.request('GET', '/jobs/stats/throughput', { token: datasetsOnly.token })).status).toBe(403);
    const bad = await server.request('GET', '/jobs/stats?data_plane_id=nope');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('counts every transition in its minute and walks the queue depth back to zero', async () => {
    const res = await server.request('GET', '/jobs/stats/throughput?minutes=10');
    expect(res.status).toBe(200);
    const t = res.body;
    expect(t.minutes).toBe(10);
    expect(t.buckets).toHaveLength(10);
    // Consecutive whole minutes, ending with the current one.
    const starts = t.buckets.map((b: any) => Date.parse(b.minute));
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBe(60_000);
    expect(starts[0] % 60_000).toBe(0);
    expect(Date.parse(t.from)).toBe(starts[0]);
    expect(Date.parse(t.to)).toBe(starts[9] + 60_000);
    expect(Date.now()).toBeLessThan(Date.parse(t.to) + 5_000);

    // Every event of this server's jobs happened in the window: the sums are the events, state by state.
    const events = (await Promise.all(jobIds.map((id) => eventsOf(server, id)))).flat();
    const expected = Object.fromEntries(STATES.map((s) => [s, events.filter((e) => e.to_state === s).length]));
    const summed = Object.fromEntries(STATES.map((s) => [s, t.buckets.reduce((n: number, b: any) => n + b.counts[s], 0)]));
    expect(summed).toEqual(expected);
    expect(expected['pending']).toBeGreaterThanOrEqual(16); // every create

    // The depth ends at today's pending count, and before any of these jobs existed it was 0.
    expect(t.buckets.at(-1).queue_depth).toBe(made['pending']);
    expect(t.buckets[0].queue_depth).toBe(0);
  });

  it('refuses windows outside 1..1440 minutes', async () => {
    for (const minutes of ['0', '1441', 'x']) {
      const res = await server.request('GET', `/jobs/stats/throughput?minutes=${minutes}`);
      expect(res.status).toBe(400);
    }
    const one = await server.request('GET', '/jobs/stats/throughput?minutes=1&type=nql-forecast');
    expect(one.body.buckets).toHaveLength(1);
  });
});
