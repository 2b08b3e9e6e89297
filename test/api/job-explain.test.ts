import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { forecastJob, startTestServer, type TestServer } from '../support/harness.js';
import { jobInState } from '../support/job-factory.js';
import { waitFor } from '../support/wait-for.js';

/**
 * GET /jobs/{id}/explain against the real claim: each scenario gets its own data plane (so other tests' jobs and
 * executors cannot change its answer), sets the scene through the API (register, run, claim, drain, fail), and
 * checks what the server says, and where it says "runnable", that a claim does take the job.
 */
describe.each(backends())('GET /jobs/{id}/explain (%s)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    // Retries an hour away, so that a failed job waits for its retry for the whole test.
    server = await startTestServer(backend, { retry: { baseMs: 3_600_000, maxMs: 3_600_000 } });
  });
  afterAll(async () => { await server?.close(); });

  const ok = async <T = any>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await server.request(method, path, body === undefined ? {} : { body });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as T;
  };
  const newPlane = async () => (await ok('POST', '/data-planes', { display_name: `explain ${Math.random().toString(36).slice(2, 8)}` })).id as string;
  const register = async (planeId: string, opts: { types?: string[]; slots?: number; pool?: string } = {}) =>
    (await ok('POST', '/executors', {
      data_plane_id: planeId, types: opts.types ?? [], slots: opts.slots ?? 1, name: 'test executor',
      ...(opts.pool ? { compute_pool_id: opts.pool } : {}),
    })).id as string;
  const job = async (planeId: string, extra: Record<string, unknown> = {}) =>
    (await ok('POST', '/jobs', forecastJob({ data_plane_id: planeId, ...extra }))).job_id as string;
  const explain = async (id: string) => ok('GET', `/jobs/${id}/explain`);
  const codes = (e: any) => e.reasons.map((r: any) => r.code);

  it('says so when no executor is registered on the plane', async () => {
    const plane = await newPlane();
    const id = await job(plane);
    const e = await explain(id);
    expect(e).toMatchObject({ job_id: id, state: 'pending', runnable: false, executors: [] });
    expect(codes(e)).toEqual(['no_executor_for_plane']);
    expect(e.reasons[0].details).toEqual({ data_plane_id: plane });
  });

  it('names the types the plane\'s executors run when none runs the job\'s type', async () => {
    const plane = await newPlane();
    await register(plane, { types: ['materialize-view'] });
    const e = await explain(await job(plane));
    expect(codes(e)).toEqual(['no_executor_for_type']);
    expect(e.reasons[0].details).toEqual({ type: 'nql-forecast', types_served: ['materialize-view'] });
    expect(e.executors.map((x: any) => x.verdict)).toEqual(['wrong_type']);
  });

  it('is runnable with an idle executor, counts the jobs ahead, and the claim then takes it', async () => {
    const plane = await newPlane();
    const executor = await register(plane, { types: ['nql-forecast'], slots: 1 });
    const first = await job(plane);
    const second = await job(plane);
    const urgent = await job(plane, { priority: 5 });
    const e = await explain(second);
    expect(e.runnable).toBe(true);
    expect(codes(e)).toEqual(['waiting_for_claim']);
    // The claim's order: higher priority first, then older.
    expect(e.reasons[0].details).toEqual({ executors: [executor], free_slots: 1, jobs_ahead: 2 });
    expect((await explain(urgent)).reasons[0].details.jobs_ahead).toBe(0);
    expect((await explain(first)).reasons[0].details.jobs_ahead).toBe(1);

    const claimed = await ok('POST', '/jobs/claim', { executor, data_plane_id: plane, limit: 1 });
    expect(claimed.records.map((j: any) => j.job_id)).toEqual([urgent]);
  });

  it('reports busy executors when every slot is taken', async () => {
    const plane = await newPlane();
    const executor = await register(plane, { slots: 1 });
    await ok('POST', `/jobs/${await job(plane)}/run`, { executor });
    const e = await explain(await job(plane));
    expect(e.runnable).toBe(false);
    expect(codes(e)).toEqual(['executors_busy']);
    expect(e.reasons[0].details.executors).toEqual([{ id: executor, running_jobs: 1, slots: 1, runs_dedicated_job: false }]);
    expect(e.executors[0].verdict).toBe('slots_full');
    // The claim agrees.
    expect((await ok('POST', '/jobs/claim', { executor, data_plane_id: plane, limit: 5 })).records).toEqual([]);
  });

  it('makes a dedicated job wait for an executor that runs nothing', async () => {
    const plane = await newPlane();
    const executor = await register(plane, { slots: 3 });
    await ok('POST', `/jobs/${await job(plane)}/run`, { executor });
    const dedicated = await job(plane, { execution_cluster: { type: 'dedicated' } });
    const e = await explain(dedicated);
    expect(e.runnable).toBe(false);
    expect(codes(e)).toEqual(['dedicated_waiting_for_idle_executor']);
    expect(e.reasons[0].details.executors).toEqual([{ id: executor, running_jobs: 1 }]);
    expect(e.executors[0].verdict).toBe('not_idle');
    // The claim agrees: the executor has free slots, yet does not take the dedicated job.
    expect((await ok('POST', '/jobs/claim', { executor, data_plane_id: plane, limit: 5 })).records).toEqual([]);
    // A shared job behind it is runnable on the same executor.
    expect((await explain(await job(plane))).runnable).toBe(true);
  });

  it('reports an executor that runs a dedicated job as busy', async () => {
    const plane = await newPlane();
    const executor = await register(plane, { slots: 4 });
    await ok('POST', `/jobs/${await job(plane, { execution_cluster: { type: 'dedicated' } })}/run`, { executor });
    const e = await explain(await job(plane));
    expect(codes(e)).toEqual(['executors_busy']);
    expect(e.reasons[0].details.executors).toEqual([{ id: executor, running_jobs: 1, slots: 4, runs_dedicated_job: true }]);
    expect(e.executors[0].verdict).toBe('runs_dedicated_job');
  });

  it('reports draining executors', async () => {
    const plane = await newPlane();
    const a = await register(plane);
    const b = await register(plane);
    await ok('POST', `/executors/${a}/drain`);
    const id = await job(plane);
    expect((await explain(id)).runnable).toBe(true);
    await ok('POST', `/executors/${b}/drain`);
    const e = await explain(id);
    expect(e.runnable).toBe(false);
    expect(codes(e)).toEqual(['executors_draining']);
    expect(e.reasons[0].message).toMatch(/^all 2 executors that could run it are draining/);
    expect(e.reasons[0].details.executors.sort()).toEqual([a, b].sort());
  });

  it('reports a compute pool at its limit, and a job whose pool has no executor', async () => {
    const plane = await newPlane();
    const pool = (await ok('POST', `/data-planes/${plane}/compute-pools`, { name: 'one', max_concurrency: 1 })).id as string;
    const orphan = await job(plane, { compute_pool_id: pool });
    const outside = await register(plane, { slots: 4 });
    let e = await explain(orphan);
    expect(codes(e)).toEqual(['no_executor_for_pool']);
    expect(e.reasons[0].details).toEqual({ compute_pool_id: pool, executor_pools: [null] });

    const member = await register(plane, { slots: 4, pool });
    expect((await explain(orphan)).runnable).toBe(true);
    const claimed = await ok('POST', '/jobs/claim', { executor: member, data_plane_id: plane, limit: 1 });
    expect(claimed.records.map((j: any) => j.job_id)).toEqual([orphan]);

    const waiting = await job(plane, { compute_pool_id: pool });
    e = await explain(waiting);
    expect(e.runnable).toBe(false);
    expect(codes(e)).toEqual(['pool_at_limit']);
    expect(e.reasons[0].details).toMatchObject({ compute_pool_id: pool, name: 'one', max_concurrency: 1, running: 1, free_slots: 0 });
    expect(Object.fromEntries(e.executors.map((x: any) => [x.id, x.verdict]))).toEqual({ [outside]: 'wrong_pool', [member]: 'can_claim' });
    // The claim agrees: the pool's member has free slots but takes nothing.
    expect((await ok('POST', '/jobs/claim', { executor: member, data_plane_id: plane, limit: 5 })).records).toEqual([]);
  });

  it('says when a failed job\'s retry is due, and that it is terminal without one', async () => {
    const plane = await newPlane();
    const id = await job(plane);
    const run = await ok('POST', `/jobs/${id}/run`, { executor: 'job-executor-retry' });
    await ok('POST', `/jobs/${id}/fail`, { executor: 'job-executor-retry', attempt: run.attempt, failure: { message: 'transient' }, retryable: true });
    const failed = await ok('GET', `/jobs/${id}`);
    expect(failed.retry_at).not.toBeNull();
    const e = await explain(id);
    expect(e.runnable).toBe(false);
    expect(codes(e)).toEqual(['retry_not_due', 'no_executor_for_plane']);
    expect(e.reasons[0].details).toEqual({ retry_at: failed.retry_at, attempt: 1, max_attempts: 3 });

    const final = await jobInState(server, 'failed');
    const t = await explain(final.job_id);
    expect(t).toMatchObject({ state: 'failed', runnable: false, executors: [] });
    expect(codes(t)).toEqual(['terminal']);
  });

  it('explains running, cancellation-requested and finished jobs', async () => {
    const running = await jobInState(server, 'running', 'job-executor-gone');
    const r = await explain(running.job_id);
    expect(codes(r)).toEqual(['running']);
    // That executor never registered: the lease will run out.
    expect(r.reasons[0].details).toMatchObject({ executor: 'job-executor-gone', attempt: 1, executor_registered: false });
    expect(r.reasons[0].message).toMatch(/no longer registered/);

    const requested = await jobInState(server, 'pending_cancellation');
    const c = await explain(requested.job_id);
    expect(codes(c)).toEqual(['cancellation_requested']);
    expect(c.reasons[0].details.executor).toBeNull();

    for (const state of ['completed', 'cancelled'] as const) {
      const done = await jobInState(server, state);
      expect(codes(await explain(done.job_id))).toEqual(['terminal']);
    }
  });

  it('is 404 for another company\'s job and 403 without jobs:read', async () => {
    const id = await job(server.dataPlaneId);
    const other = await server.otherCompany();
    expect((await server.request('GET', `/jobs/${id}/explain`, { token: other.token })).status).toBe(404);
    const noJobs = await server.token('datasets:read');
    const res = await server.request('GET', `/jobs/${id}/explain`, { token: noJobs.token });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await server.request('GET', '/jobs/not-a-uuid/explain')).status).toBe(400);
    const reader = await server.token('jobs:read');
    expect((await server.request('GET', `/jobs/${id}/explain`, { token: reader.token })).status).toBe(200);
  });
});

/** Silence is not a claim rule but explains a wait as well: executors that stopped heartbeating claim nothing. */
describe.each(backends())('explain with silent executors (%s)', (backend) => {
  let server: TestServer;
  // Executors are told to beat every 100 ms; silence starts after 10 s anyway (SILENCE_FLOOR_MS).
  beforeAll(async () => { server = await startTestServer(backend, { heartbeatMs: 100, leaseMs: 1_000 }); });
  afterAll(async () => { await server?.close(); });

  it('reports executors whose heartbeat stopped', async () => {
    const plane = (await server.request('POST', '/data-planes', { body: { display_name: 'silent' } })).body.id;
    const executor = (await server.request('POST', '/executors', { body: { data_plane_id: plane, types: [], slots: 1 } })).body.id;
    const id = (await server.request('POST', '/jobs', { body: forecastJob({ data_plane_id: plane }) })).body.job_id;
    const e = await waitFor(async () => {
      const res = (await server.request('GET', `/jobs/${id}/explain`)).body;
      return res.reasons.some((r: any) => r.code === 'executors_silent') ? res : undefined;
    }, { timeoutMs: 40_000, intervalMs: 500, message: 'the executor to count as silent' });
    expect(e.runnable).toBe(false);
    expect(e.reasons.map((r: any) => r.code)).toEqual(['executors_silent']);
    expect(e.executors[0]).toMatchObject({ id: executor, verdict: 'silent' });
  });
});
