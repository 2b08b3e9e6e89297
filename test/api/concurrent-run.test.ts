import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { forecastJob, startTestServer, type TestServer } from '../support/harness.js';
import { eventsOf } from '../support/job-factory.js';

describe.each(backends())('concurrent runs (%s)', (backend) => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer(backend); });
  afterAll(async () => { await server?.close(); });

  it('of one job, 100 at once: exactly one executor, which every response names, and one transition event', async () => {
    const created = await server.request('POST', '/jobs', { body: forecastJob() });
    const id = created.body.job_id;
    const executors = Array.from({ length: 100 }, (_, i) => `job-executor-${i}`);
    const responses = await Promise.all(
      executors.map((executor) => server.request('POST', `/jobs/${id}/run`, { body: { executor } })),
    );
    for (const r of responses) expect(r.status).toBe(200);
    const winners = new Set(responses.map((r) => r.body.executor));
    expect(winners.size).toBe(1);
    const winner = [...winners][0];
    expect(executors).toContain(winner);
    for (const r of responses) expect(r.body).toMatchObject({ state: 'running', attempt: 1, executor: winner });

    const job = (await server.request('GET', `/jobs/${id}`)).body;
    expect(job).toMatchObject({ state: 'running', executor: winner, attempt: 1 });
    const runs = (await eventsOf(server, id)).filter((e) => e.action === 'run');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ executor: winner, from_state: 'pending', to_state: 'running' });
  });

  it('keeps one winner per job when concurrent runs of many jobs are batched together', async () => {
    // 20 jobs, 5 competing executors each, all in flight at once: the server writes them in shared statements
    // (src/api/run-batcher.ts) and sends the losers of each job through the one-job statement.
    const ids = await Promise.all(Array.from({ length: 20 }, async () =>
      (await server.request('POST', '/jobs', { body: forecastJob() })).body.job_id as string));
    const calls = ids.flatMap((id) => Array.from({ length: 5 }, (_, k) => ({ id, executor: `job-executor-${id.slice(0, 8)}-${k}` })));
    const responses = await Promise.all(calls.map((c) => server.request('POST', `/jobs/${c.id}/run`, { body: { executor: c.executor } })));
    for (const r of responses) expect(r.status).toBe(200);
    for (const id of ids) {
      const mine = responses.filter((_, i) => calls[i]!.id === id);
      const winners = new Set(mine.map((r) => r.body.executor));
      expect(winners.size).toBe(1);
      const job = (await server.request('GET', `/jobs/${id}`)).body;
      expect(job).toMatchObject({ state: 'running', attempt: 1, executor: [...winners][0] });
      const runs = (await eventsOf(server, id)).filter((e) => e.action === 'run');
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ executor: job.executor });
    }
  });
});
