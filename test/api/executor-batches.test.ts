import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { eventsOf } from '../support/job-factory.js';

const job = (extra: Record<string, unknown> = {}) => ({ type: 'test-echo', input: { n: 1 }, ...extra });

/**
 * The executor path at queue speed (issue 11): batched completions, failures and heartbeats, each item judged alone,
 * and the claim's routing rules under concurrent claimers. Concurrency only means something on PostgreSQL (PGlite
 * has one connection); the same cases run on both and must hold on both.
 */
describe.each(backends())('executor writes in batches, and the one-statement claim (%s)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { extraJobTypes: ['test-echo'], leaseMs: 60_000 });
  });
  afterAll(async () => { await server?.close(); });

  const register = async (body: Record<string, unknown> = {}) => {
    const res = await server.request('POST', '/executors', { body: { data_plane_id: server.dataPlaneId, types: ['test-echo'], slots: 50, ...body } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const claim = async (executor: string, limit = 50) => {
    const res = await server.request('POST', '/jobs/claim', { body: { executor, data_plane_id: server.dataPlaneId, limit } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.records as any[];
  };
  const drain = async () => {
    for (;;) {
      const open = await server.request('GET', '/jobs?per_page=500&state=pending');
      if (open.body.records.length === 0) return;
      for (const j of open.body.records) {
        await server.request('POST', `/jobs/${j.job_id}/request-cancellation`);
        await server.request('POST', `/jobs/${j.job_id}/cancel`);
      }
    }
  };
  const create = async (n: number, extra: Record<string, unknown> = {}) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await server.request('POST', '/jobs', { body: job(extra) })).body.job_id);
    return ids;
  };

  it('completes a batch item by item: one stale lease among valid ones refuses that item alone, with its reason', async () => {
    await drain();
    await create(5);
    const ex = await register();
    const claimed = await claim(ex, 5);
    expect(claimed).toHaveLength(5);
    const [stale, ...valid] = claimed;
    const body = {
      completions: [
        { job_id: stale.job_id, executor: ex, attempt: stale.attempt + 1, result: { n: 0 } },
        ...valid.map((j: any, i: number) => ({ job_id: j.job_id, executor: ex, attempt: j.attempt, result: { n: i + 1 } })),
        { job_id: '00000000-0000-4000-8000-000000000000', executor: ex, attempt: 1, result: {} },
      ],
    };
    const res = await server.request('POST', '/jobs/complete', { body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const results = res.body.results;
    expect(results.map((r: any) => r.job_id)).toEqual(body.completions.map((c) => c.job_id));
    expect(results[0]).toMatchObject({ status: 'stale_lease', problem: { code: 'stale_lease' } });
    for (let i = 1; i <= valid.length; i++) expect(results[i]).toMatchObject({ status: 'completed', job: { state: 'completed', result: { n: i } } });
    expect(results.at(-1)).toMatchObject({ status: 'not_found' });
    // The stale item changed nothing: still running under its real lease, which can still complete it.
    expect((await server.request('GET', `/jobs/${stale.job_id}`)).body).toMatchObject({ state: 'running', result: null });
    const retry = await server.request('POST', '/jobs/complete', { body: { completions: [{ job_id: stale.job_id, executor: ex, attempt: stale.attempt, result: { n: 0 } }] } });
    expect(retry.body.results[0]).toMatchObject({ status: 'completed' });
    for (const j of claimed) expect((await eventsOf(server, j.job_id)).map((e) => e.action)).toEqual(['create', 'claim', 'complete']);
  });

  it('fails and heartbeats in batches, each item with its own lease; the same job twice in one batch is refused', async () => {
    await drain();
    await create(3);
    const ex = await register();
    const [a, b, c] = await claim(ex, 3);
    const beats = await server.request('POST', '/jobs/heartbeat', {
      body: { heartbeats: [{ job_id: a.job_id, executor: ex, attempt: a.attempt, progress: { rows: 10 } }, { job_id: b.job_id, executor: 'job-executor-zombie', attempt: b.attempt }] },
    });
    expect(beats.body.results[0]).toMatchObject({ status: 'running', cancel_requested: false });
    expect(Date.parse(beats.body.results[0].lease_expires_at)).toBeGreaterThan(Date.parse(a.lease_expires_at) - 1);
    expect(beats.body.results[1]).toMatchObject({ status: 'stale_lease' });
    await server.request('POST', `/jobs/${c.job_id}/request-cancellation`);
    const fails = await server.request('POST', '/jobs/fail', {
      body: {
        failures: [
          { job_id: a.job_id, executor: ex, attempt: a.attempt, failure: { message: 'boom' }, retryable: false },
          { job_id: c.job_id, executor: ex, attempt: c.attempt, failure: { message: 'stopped' } },
          { job_id: a.job_id, executor: ex, attempt: a.attempt, failure: { message: 'again' } },
        ],
      },
    });
    expect(fails.body.results.map((r: any) => r.status)).toEqual(['failed', 'cancelled', 'invalid']);
    expect((await server.request('GET', `/jobs/${a.job_id}`)).body).toMatchObject({ state: 'failed', retry_at: null, failures: [{ message: 'boom' }] });
    expect((await eventsOf(server, c.job_id)).map((e) => e.action)).toEqual(['create', 'claim', 'request_cancellation', 'fail_cancelled']);
  });

  it('concurrent single completions share statements and each keeps its own outcome', async () => {
    await drain();
    await create(30);
    const ex = await register();
    const claimed = await claim(ex, 30);
    const results = await Promise.all(claimed.map((j: any, i: number) => server.request('POST', `/jobs/${j.job_id}/complete`, {
      body: { executor: ex, attempt: i % 7 === 0 ? j.attempt + 5 : j.attempt, result: { i } },
    })));
    results.forEach((r, i) => expect(r.status, `item ${i}`).toBe(i % 7 === 0 ? 409 : 200));
  });

  it('never exceeds a compute pool\'s limit under 16 concurrent claimers, and frees its slots as jobs end', async () => {
    await drain();
    const pool = await server.request('POST', `/data-planes/${server.dataPlaneId}/compute-pools`, { body: { name: `p16-${backend}`, max_concurrency: 4 } });
    await create(40, { compute_pool_id: pool.body.id });
    const executors = await Promise.all(Array.from({ length: 16 }, () => register({ compute_pool_id: pool.body.id, slots: 3 })));
    let done = 0;
    // Claimers that lose every candidate to others may still have held free slots for the length of their statement,
    // so a round can start fewer than 4: loop until all ran (each round completes at least one while jobs remain).
    for (let round = 0; round < 400 && done < 40; round++) {
      const claims = (await Promise.all(executors.map((e) => claim(e, 3)))).flat();
      const running = await server.request('GET', '/jobs?state=running&per_page=500');
      const inPool = running.body.records.filter((j: any) => j.compute_pool_id === pool.body.id);
      expect(inPool.length).toBeLessThanOrEqual(4);
      for (const j of claims) {
        await server.request('POST', `/jobs/${j.job_id}/complete`, { body: { executor: j.executor, attempt: j.attempt, result: {} } });
        done++;
      }
    }
    expect(done).toBe(40);
  });

  it('a dedicated job runs alone: only on an idle executor, and it then takes nothing else', async () => {
    await drain();
    const [dedicated] = await create(1, { execution_cluster: { type: 'dedicated' } });
    await create(3);
    const busy = await register();
    const idle = await register();
    const first = await claim(busy, 1);
    expect(first.map((j: any) => j.job_id)).toEqual([dedicated]); // oldest first, and the executor was idle
    expect(await claim(busy, 5)).toEqual([]); // running a dedicated job: nothing else
    const shared = await claim(idle, 5);
    expect(shared).toHaveLength(3);
    expect(shared.every((j: any) => j.execution_cluster.type === 'shared')).toBe(true);
    const [another] = await create(1, { execution_cluster: { type: 'dedicated' } });
    expect((await claim(idle, 5)).map((j: any) => j.job_id)).not.toContain(another); // not idle: waits
    const fresh = await register();
    expect((await claim(fresh, 5)).map((j: any) => j.job_id)).toEqual([another]);
  });

  it('concurrent claims of 16 executors (shared statements) give every job to one executor, within each one\'s slots', async () => {
    await drain();
    const jobs = await create(40);
    // Mixed registrations, so that the shared statements see different type sets and slot counts.
    const executors = await Promise.all(Array.from({ length: 16 }, (_, i) => register(i % 3 === 0 ? { types: [], slots: 2 } : { slots: 3 })));
    const slotsOf = (i: number) => (i % 3 === 0 ? 2 : 3);
    const held = new Map<string, string>();
    for (let round = 0; round < 10 && held.size < 40; round++) {
      const claims = await Promise.all(executors.map((e) => claim(e, 3)));
      claims.forEach((records, i) => {
        for (const j of records) {
          expect(held.has(j.job_id), `job ${j.job_id} claimed twice`).toBe(false);
          held.set(j.job_id, executors[i]!);
          expect(j).toMatchObject({ state: 'running', executor: executors[i] });
        }
      });
      for (const [i, e] of executors.entries()) {
        const running = (await server.request('GET', `/executors/${e}`)).body.running_jobs;
        expect(running).toBeLessThanOrEqual(slotsOf(i));
      }
      // Finish this round's jobs, so the next round has free slots again.
      for (const records of claims) {
        for (const j of records) await server.request('POST', `/jobs/${j.job_id}/complete`, { body: { executor: j.executor, attempt: j.attempt, result: {} } });
      }
    }
    expect(new Set(held.keys())).toEqual(new Set(jobs));
    for (const id of jobs) {
      const claimsOf = (await eventsOf(server, id)).filter((e: any) => e.action === 'claim');
      expect(claimsOf.map((e: any) => e.executor)).toEqual([held.get(id)]);
    }
  });

  it('concurrent claims of one executor never exceed its slots', async () => {
    await drain();
    await create(20);
    const ex = await register({ slots: 4 });
    const claims = (await Promise.all(Array.from({ length: 8 }, () => claim(ex, 4)))).flat();
    expect(claims.length).toBeLessThanOrEqual(4);
    expect(new Set(claims.map((j: any) => j.job_id)).size).toBe(claims.length);
    const running = await server.request('GET', `/executors/${ex}`);
    expect(running.body.running_jobs).toBe(claims.length);
  });
});
