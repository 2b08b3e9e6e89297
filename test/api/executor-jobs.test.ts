import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { eventsOf } from '../support/job-factory.js';
import { waitFor } from '../support/wait-for.js';
import { MaintenanceService } from '../../src/server/maintenance/maintenance-service.js';
import pino from 'pino';

const job = (type = 'test-echo', extra: Record<string, unknown> = {}) => ({ type, input: { n: 1 }, ...extra });

async function register(server: TestServer, body: Record<string, unknown>) {
  const res = await server.request('POST', '/executors', { body: { data_plane_id: server.dataPlaneId, types: [], slots: 1, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function claim(server: TestServer, executor: string, extra: Record<string, unknown> = {}) {
  const res = await server.request('POST', '/jobs/claim', { body: { executor, data_plane_id: server.dataPlaneId, limit: 10, ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.records as any[];
}

function maintenanceFor(server: TestServer, retry = { baseMs: 100, maxMs: 1000 }) {
  return new MaintenanceService(server.database.db, server.app.signals, { intervalMs: 1000, retry, executorSilenceMs: 60_000 }, pino({ level: 'silent' }));
}

describe.each(backends())('executor-facing API (%s)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { extraJobTypes: ['test-echo', 'test-other'], leaseMs: 30_000 });
  });
  afterAll(async () => { await server?.close(); });

  async function drainQueue() {
    // Each test starts from an empty queue: cancel whatever earlier tests left claimable, including failed jobs
    // waiting for a retry (re-queued first: a failed job is terminal for cancellation).
    const retrying = await server.request('GET', '/jobs?per_page=500&state=failed');
    for (const j of retrying.body.records) {
      if (j.retry_at !== null) await server.request('POST', `/jobs/${j.job_id}/reschedule`, { body: { force: true } });
    }
    const open = await server.request('GET', '/jobs?per_page=500&state=pending');
    for (const j of open.body.records) {
      await server.request('POST', `/jobs/${j.job_id}/request-cancellation`);
      await server.request('POST', `/jobs/${j.job_id}/cancel`);
    }
  }

  it('claims oldest first within priority, tells the lease and heartbeat, and fences every later call', async () => {
    await drainQueue();
    const low = await server.request('POST', '/jobs', { body: job() });
    const high = await server.request('POST', '/jobs', { body: job('test-echo', { priority: 5 }) });
    const ex = await register(server, { slots: 5 });
    const res = await server.request('POST', '/jobs/claim', { body: { executor: ex, data_plane_id: server.dataPlaneId, limit: 10 } });
    expect(res.headers.get('x-jobplane-lease-ms')).toBe('30000');
    expect(res.body.records.map((j: any) => j.job_id)).toEqual([high.body.job_id, low.body.job_id]);
    const claimed = res.body.records[0];
    expect(claimed).toMatchObject({ state: 'running', executor: ex, attempt: 1 });

    const hb = await server.request('POST', `/jobs/${claimed.job_id}/heartbeat`, { body: { executor: ex, attempt: 1, progress: { pct: 50 } } });
    expect(hb.status).toBe(200);
    expect(hb.body).toMatchObject({ state: 'running', cancel_requested: false });

    for (const [path, body] of [
      ['heartbeat', { executor: ex, attempt: 2 }],
      ['heartbeat', { executor: 'job-executor-zombie', attempt: 1 }],
      ['complete', { executor: ex, attempt: 2, result: { ok: true } }],
      ['fail', { executor: 'job-executor-zombie', attempt: 1, failure: { message: 'x' } }],
      ['cancel', { executor: 'job-executor-zombie', attempt: 1 }],
    ] as const) {
      const stale = await server.request('POST', `/jobs/${claimed.job_id}/${path}`, { body });
      expect(stale.status, `${path} ${JSON.stringify(body)}`).toBe(409);
      expect(stale.body.code).toBe(path === 'cancel' ? 'stale_lease' : 'stale_lease');
    }
    const done = await server.request('POST', `/jobs/${claimed.job_id}/complete`, { body: { executor: ex, attempt: 1, result: { ok: true } } });
    expect(done.body).toMatchObject({ state: 'completed', result: { ok: true } });
    const again = await server.request('POST', `/jobs/${claimed.job_id}/complete`, { body: { executor: ex, attempt: 1, result: { ok: false } } });
    expect(again.status).toBe(409);
    expect((await server.request('GET', `/jobs/${claimed.job_id}`)).body.result).toEqual({ ok: true });
    expect((await eventsOf(server, claimed.job_id)).map((e) => e.action)).toEqual(['create', 'claim', 'complete']);
  });

  it('a rescheduled job fences out its old executor', async () => {
    await drainQueue();
    const created = await server.request('POST', '/jobs', { body: job() });
    const ex = await register(server, {});
    const [claimed] = await claim(server, ex);
    await server.request('POST', `/jobs/${created.body.job_id}/reschedule`);
    const late = await server.request('POST', `/jobs/${claimed.job_id}/complete`, { body: { executor: ex, attempt: 1, result: {} } });
    expect(late.status).toBe(409);
    const ex2 = await register(server, {});
    const [reclaimed] = await claim(server, ex2);
    expect(reclaimed).toMatchObject({ job_id: created.body.job_id, attempt: 2, executor: ex2 });
  });

  it('routes by plane, types, slots, dedicated and shared', async () => {
    await drainQueue();
    const other = await server.otherCompany();
    const ex = await register(server, { types: ['test-echo'], slots: 2 });
    await server.request('POST', '/jobs', { body: job('test-other') });
    const foreign = await server.request('POST', '/jobs', { token: other.token, body: job() });
    expect(foreign.status).toBe(201);
    expect(await claim(server, ex)).toEqual([]); // neither another plane's job nor another type

    const shared = await Promise.all([1, 2, 3].map(() => server.request('POST', '/jobs', { body: job() })));
    expect(shared.every((r) => r.status === 201)).toBe(true);
    expect(await claim(server, ex)).toHaveLength(2); // slots
    expect(await claim(server, ex)).toHaveLength(0);

    const ded = await register(server, { slots: 4 });
    await drainQueue();
    const d = await server.request('POST', '/jobs', { body: job('test-echo', { execution_cluster: { type: 'dedicated' }, priority: 10 }) });
    await server.request('POST', '/jobs', { body: job() });
    const first = await claim(server, ded);
    expect(first.map((j) => j.job_id)).toEqual([d.body.job_id]); // alone, even with free slots
    expect(await claim(server, ded)).toEqual([]); // takes nothing else until it ends
    await server.request('POST', `/jobs/${d.body.job_id}/complete`, { body: { executor: ded, attempt: 1, result: {} } });
    expect(await claim(server, ded)).toHaveLength(1);

    const busy = await register(server, { slots: 4 });
    await drainQueue();
    await server.request('POST', '/jobs', { body: job() });
    expect(await claim(server, busy)).toHaveLength(1);
    await server.request('POST', '/jobs', { body: job('test-echo', { execution_cluster: { type: 'dedicated' } }) });
    expect(await claim(server, busy)).toEqual([]); // a dedicated job never joins a busy executor
  });

  it('holds a compute pool\'s concurrency limit across its executors, also under concurrent claims', async () => {
    await drainQueue();
    const pool = await server.request('POST', `/data-planes/${server.dataPlaneId}/compute-pools`, { body: { name: 'limited', max_concurrency: 3 } });
    const poolId = pool.body.id;
    for (let i = 0; i < 8; i++) await server.request('POST', '/jobs', { body: job('test-echo', { compute_pool_id: poolId }) });
    const executors = await Promise.all([1, 2, 3, 4].map(() => register(server, { compute_pool_id: poolId, slots: 5 })));
    const outsider = await register(server, { slots: 5 });
    expect(await claim(server, outsider)).toEqual([]); // pooled jobs only go to the pool's executors
    const claims = await Promise.all(executors.map((e) => claim(server, e)));
    expect(claims.flat()).toHaveLength(3);
    const running = await server.request('GET', '/jobs?state=running&per_page=500');
    expect(running.body.records.filter((j: any) => j.compute_pool_id === poolId)).toHaveLength(3);
  });

  it('failures are retried with backoff until max_attempts, and every failure is kept', async () => {
    await drainQueue();
    const created = await server.request('POST', '/jobs', { body: job('test-echo', { max_attempts: 3 }) });
    const id = created.body.job_id;
    const ex = await register(server, { slots: 1 });
    const retryAts: number[] = [];
    let early: any[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [claimed] = early.length ? early : await waitFor(async () => {
        const got = await claim(server, ex);
        return got.length ? got : undefined;
      }, { timeoutMs: 30_000, message: `attempt ${attempt} claimable` });
      early = [];
      expect(claimed).toMatchObject({ job_id: id, attempt });
      const failed = await server.request('POST', `/jobs/${id}/fail`, { body: { executor: ex, attempt, failure: { message: `boom ${attempt}`, value: { attempt } } } });
      expect(failed.body.state).toBe('failed');
      if (attempt < 3) {
        expect(failed.body.retry_at).not.toBeNull();
        retryAts.push(Date.parse(failed.body.retry_at) - Date.parse(failed.body.updated_at));
        // Never before retry_at (on a slow machine the claim may come after it: then it was due).
        early = await claim(server, ex);
        for (const j of early) expect(Date.parse(j.dequeued_at)).toBeGreaterThanOrEqual(Date.parse(failed.body.retry_at));
      } else {
        expect(failed.body.retry_at).toBeNull(); // attempts exhausted
      }
    }
    // Backoff: base 1 s * 2^(attempt-1) * jitter [0.5, 1.5): the first wait is in [500, 1500) ms, the second in [1000, 3000).
    expect(retryAts[0]).toBeGreaterThanOrEqual(450);
    expect(retryAts[0]).toBeLessThan(1600);
    expect(retryAts[1]).toBeGreaterThanOrEqual(950);
    const final = (await server.request('GET', `/jobs/${id}`)).body;
    expect(final.failures.map((f: any) => f.message)).toEqual(['boom 1', 'boom 2', 'boom 3']);
    expect(await claim(server, ex)).toEqual([]);
  });

  it('a non-retryable failure is not retried', async () => {
    await drainQueue();
    const created = await server.request('POST', '/jobs', { body: job() });
    const ex = await register(server, {});
    await claim(server, ex);
    const failed = await server.request('POST', `/jobs/${created.body.job_id}/fail`, { body: { executor: ex, attempt: 1, failure: { message: 'syntax error' }, retryable: false } });
    expect(failed.body).toMatchObject({ state: 'failed', retry_at: null });
  });

  it('cancellation: the heartbeat says so, the executor acknowledges with its lease, or a late complete wins', async () => {
    await drainQueue();
    const a = await server.request('POST', '/jobs', { body: job() });
    const b = await server.request('POST', '/jobs', { body: job() });
    const ex = await register(server, { slots: 2 });
    await claim(server, ex);
    for (const j of [a, b]) await server.request('POST', `/jobs/${j.body.job_id}/request-cancellation`);
    const hb = await server.request('POST', `/jobs/${a.body.job_id}/heartbeat`, { body: { executor: ex, attempt: 1 } });
    expect(hb.body).toMatchObject({ state: 'pending_cancellation', cancel_requested: true });
    const ack = await server.request('POST', `/jobs/${a.body.job_id}/cancel`, { body: { executor: ex, attempt: 1 } });
    expect(ack.body).toMatchObject({ state: 'cancelled' });
    const late = await server.request('POST', `/jobs/${b.body.job_id}/complete`, { body: { executor: ex, attempt: 1, result: { done: true } } });
    expect(late.body).toMatchObject({ state: 'completed', result: { done: true } });
  });

  it('deregistering an executor releases its jobs at once; draining stops its claims', async () => {
    await drainQueue();
    const created = await server.request('POST', '/jobs', { body: job() });
    const ex = await register(server, {});
    await claim(server, ex);
    const del = await server.request('DELETE', `/executors/${ex}`);
    expect(del.body).toEqual({ id: ex, released_jobs: 1 });
    const released = (await server.request('GET', `/jobs/${created.body.job_id}`)).body;
    expect(released).toMatchObject({ state: 'pending', executor: null, attempt: 1, lease_expires_at: null });
    expect((await server.request('GET', `/executors/${ex}`)).status).toBe(404);
    const stale = await server.request('POST', `/jobs/${created.body.job_id}/complete`, { body: { executor: ex, attempt: 1, result: {} } });
    expect(stale.status).toBe(409);

    const drained = await register(server, {});
    expect((await server.request('POST', `/executors/${drained}/drain`)).body.status).toBe('draining');
    expect(await claim(server, drained)).toEqual([]);
  });

  it('a long-polling claim returns the job created while it waits', async () => {
    await drainQueue();
    const ex = await register(server, {});
    const waiting = server.request('POST', '/jobs/claim', { body: { executor: ex, data_plane_id: server.dataPlaneId, wait_ms: 20_000 } });
    const created = await server.request('POST', '/jobs', { body: job() });
    const res = await waiting;
    expect(res.body.records.map((j: any) => j.job_id)).toEqual([created.body.job_id]);
  });

  it('maintenance finalizes a cancellation nobody will acknowledge', async () => {
    const created = await server.request('POST', '/jobs', { body: job() });
    await server.request('POST', `/jobs/${created.body.job_id}/request-cancellation`);
    const counts = await maintenanceFor(server).runOnce();
    expect(counts.ran).toBe(true);
    expect(counts.cancellationsFinalized).toBeGreaterThanOrEqual(1);
    const after = (await server.request('GET', `/jobs/${created.body.job_id}`)).body;
    expect(after.state).toBe('cancelled');
    expect((await eventsOf(server, created.body.job_id)).at(-1)).toMatchObject({ action: 'expire_cancellation', actor: { type: 'process', name: 'maintenance' } });
  });

  it('exposes Prometheus metrics', async () => {
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.adminToken}` } });
    const text = await res.text();
    for (const name of ['jobplane_http_request_duration_seconds', 'jobplane_job_transitions_total', 'jobplane_jobs', 'jobplane_executors', 'jobplane_claim_wait_seconds', 'jobplane_lease_expiries_total']) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/jobplane_job_transitions_total\{type="test-echo",from="running",to="completed",action="complete"\} \d+/);
  });

  it('a cancellation watch answers as soon as a job of the executor is asked to cancel, with the lease to stop', async () => {
    await drainQueue();
    const executor = await register(server, { types: ['test-echo'], slots: 2 });
    const created = await server.request('POST', '/jobs', { body: job() });
    const [claimed] = await claim(server, executor);
    expect(claimed.job_id).toBe(created.body.job_id);
    expect((await server.request('GET', `/executors/${executor}/cancellations`)).body).toEqual({ records: [] });

    // Held for up to 20 s; the cancellation request must end the wait, not its timeout.
    const watch = server.request('GET', `/executors/${executor}/cancellations?wait_ms=20000`);
    await server.request('POST', `/jobs/${claimed.job_id}/request-cancellation`);
    const woken = await watch;
    expect(woken.status).toBe(200);
    expect(woken.body).toEqual({ records: [{ job_id: claimed.job_id, attempt: 1 }] });

    // Another executor's watch is not concerned; an unknown executor is 404; wait_ms is bounded.
    const other = await register(server, { types: ['test-echo'] });
    expect((await server.request('GET', `/executors/${other}/cancellations`)).body).toEqual({ records: [] });
    expect((await server.request('GET', `/executors/job-executor-${crypto.randomUUID()}/cancellations`)).status).toBe(404);
    expect((await server.request('GET', `/executors/${executor}/cancellations?wait_ms=30001`)).status).toBe(400);
    await server.request('POST', `/jobs/${claimed.job_id}/cancel`, { body: { executor, attempt: 1 } });
    expect((await server.request('GET', `/executors/${executor}/cancellations`)).body).toEqual({ records: [] });
  });
});

describe.each(backends())('lease expiry (%s)', (backend) => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer(backend, { extraJobTypes: ['test-echo'], leaseMs: 1_000 }); });
  afterAll(async () => { await server?.close(); });

  it('an expired lease fails the attempt with "lease expired", the job is reclaimed, and the old executor is fenced out', async () => {
    const created = await server.request('POST', '/jobs', { body: job() });
    const id = created.body.job_id;
    const dead = await register(server, {});
    await claim(server, dead);
    const maintenance = maintenanceFor(server, { baseMs: 0, maxMs: 0 });
    await waitFor(async () => (await maintenance.runOnce()).leasesExpired > 0, { timeoutMs: 30_000, message: 'lease expiry' });
    const failed = (await server.request('GET', `/jobs/${id}`)).body;
    expect(failed.state).toBe('failed');
    expect(failed.failures).toEqual([expect.objectContaining({ message: 'lease expired', value: { executor: dead, attempt: 1 } })]);
    const alive = await register(server, {});
    const [reclaimed] = await waitFor(async () => {
      const got = await claim(server, alive);
      return got.length ? got : undefined;
    }, { message: 'reclaim' });
    expect(reclaimed).toMatchObject({ job_id: id, attempt: 2, executor: alive });
    const zombie = await server.request('POST', `/jobs/${id}/complete`, { body: { executor: dead, attempt: 1, result: { zombie: true } } });
    expect(zombie.status).toBe(409);
    const done = await server.request('POST', `/jobs/${id}/complete`, { body: { executor: alive, attempt: 2, result: { ok: 1 } } });
    expect(done.body).toMatchObject({ state: 'completed', result: { ok: 1 } });
    const actions = (await eventsOf(server, id)).map((e) => e.action);
    expect(actions).toEqual(['create', 'claim', 'expire_lease', 'claim', 'complete']);
  });
});
