import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db/types.js';
import { bootstrap } from '../../src/store/bootstrap.js';
import { computePoolCreate } from '../../src/store/data-planes.js';
import { executorCreate, executorDrain } from '../../src/store/executors.js';
import { jobClaimMany, type ClaimOfExecutor } from '../../src/store/job-claim-batches.js';
import { jobClaim, type ClaimResult } from '../../src/store/job-claims.js';
import { backends, freshDatabase, type TestDatabase } from '../support/backends.js';

/**
 * The claim's batch statement (several executors' claims in one statement, src/store/job-claim-batches.ts) against
 * the rules of the one-executor claim: distinct jobs in the claim's order, each executor's slots, draining and
 * dedicated jobs, overlapping types, and the registrations it may not serve (pool executors, strangers, other planes).
 */
describe.each(backends())('jobClaimMany (%s)', (backend) => {
  let t: TestDatabase;
  let db: Db;
  let companyId: number;
  let planeId: string;
  beforeAll(async () => {
    t = await freshDatabase(backend);
    db = t.db;
    ({ companyId, dataPlaneId: planeId } = await bootstrap(db));
  });
  afterAll(async () => { await t?.drop(); });
  beforeEach(async () => {
    // Each case starts from an empty queue: earlier cases' jobs are cancelled (allowed from every open state).
    await db.query(`UPDATE jobs SET state = 'cancelled', ended_at = now(), executor = NULL WHERE state NOT IN ('completed', 'cancelled')`);
  });

  let seq = 0;
  /** Pending jobs created in this order (created_at strictly increasing), of a type and cluster. */
  const pending = async (n: number, opts: { type?: string; cluster?: 'shared' | 'dedicated'; priority?: number } = {}) => {
    const rows = await db.query<{ id: string }>(
      `INSERT INTO jobs (job_id, company_id, data_plane_id, request_source, type, input, execution_cluster, priority, idempotency_key, created_at, updated_at)
       SELECT gen_random_uuid(), $1, $2::uuid, '{"type":"api_user","company_id":1,"user_id":1}'::jsonb, $3, '{}'::jsonb, $4, $5, gen_random_uuid()::text,
              now() + (($6::int + g) * interval '1 millisecond'), now()
         FROM generate_series(1, $7::int) g ORDER BY g RETURNING job_id::text AS id`,
      [companyId, planeId, opts.type ?? 'noop', opts.cluster ?? 'shared', opts.priority ?? 0, seq, n],
    );
    seq += n;
    return rows.map((r) => r.id);
  };
  const executor = async (opts: { types?: string[]; slots?: number; pool?: string | null } = {}) =>
    (await executorCreate(db, { dataPlaneId: planeId, computePoolId: opts.pool ?? null, name: null, types: opts.types ?? [], slots: opts.slots ?? 10 })).id;
  const request = (ex: string, limit = 1, extra: Partial<ClaimOfExecutor> = {}): ClaimOfExecutor => ({
    executor: ex, dataPlaneId: planeId, limit, leaseMs: 60_000, companyId, actor: { type: 'executor', executor: ex }, ...extra,
  });
  const ids = (r: ClaimResult | undefined) => {
    if (r?.outcome !== 'claimed') throw new Error(`not claimed: ${JSON.stringify(r)}`);
    return r.jobs.map((j) => j.job_id);
  };

  it('gives each executor distinct jobs, the first executor the oldest, each as running with its own lease and event', async () => {
    const jobs = await pending(5);
    const exs = [await executor(), await executor(), await executor()];
    const results = await jobClaimMany(db, exs.map((ex) => request(ex)));
    expect(results.map(ids)).toEqual([[jobs[0]], [jobs[1]], [jobs[2]]]);
    results.forEach((r, i) => {
      const job = (r as Extract<ClaimResult, { outcome: 'claimed' }>).jobs[0]!;
      expect(job).toMatchObject({ state: 'running', executor: exs[i], attempt: 1 });
      expect(job.lease_expires_at).not.toBeNull();
    });
    const events = await db.query<{ job_id: string; executor: string; action: string; actor: unknown }>(
      `SELECT job_id::text, executor, action, actor FROM job_events WHERE action = 'claim' AND job_id = ANY($1::uuid[]) ORDER BY job_id`, [jobs.slice(0, 3)],
    );
    expect(events).toHaveLength(3);
    for (const e of events) expect(e.actor).toEqual({ type: 'executor', executor: e.executor });
    expect(new Set(events.map((e) => `${e.job_id}:${e.executor}`))).toEqual(new Set(exs.map((ex, i) => `${jobs[i]}:${ex}`)));
  });

  it('splits a larger backlog by each limit, in priority then age order, and never over an executor\'s free slots', async () => {
    const low = await pending(20);
    const high = await pending(5, { priority: 5 });
    const a = await executor({ slots: 20 });
    const b = await executor({ slots: 8 });
    const [ra, rb] = await jobClaimMany(db, [request(a, 20), request(b, 20)]);
    expect(ids(ra)).toEqual([...high, ...low.slice(0, 15)]);
    expect(ids(rb)).toEqual(low.slice(15, 20));
    // a now runs 20 of its 20 slots: nothing more for it; b has 3 left and no job: empty.
    await pending(10);
    const [again, full] = await jobClaimMany(db, [request(b, 20), request(a, 1)]);
    expect(ids(again)).toHaveLength(3);
    expect(ids(full)).toEqual([]);
  });

  it('hands a job that two type sets both read to the first, and the other executor claims the next one after', async () => {
    const [noop] = await pending(1, { type: 'noop' });
    const [other] = await pending(1, { type: 'other' });
    const onlyNoop = await executor({ types: ['noop'] });
    const any = await executor({ types: [] });
    const [r1, r2] = await jobClaimMany(db, [request(onlyNoop), request(any)]);
    expect(ids(r1)).toEqual([noop]);
    expect(ids(r2)).toEqual([other]);
  });

  it('keeps the dedicated rules: an idle executor takes a dedicated job first and alone; a busy one skips it', async () => {
    const [dedicated] = await pending(1, { cluster: 'dedicated' });
    const shared = await pending(3);
    const idle = await executor();
    const busy = await executor();
    expect(ids(await jobClaim(db, { ...request(busy), limit: 1 }, { type: 'executor', executor: busy }))).toEqual([dedicated]);
    // busy now runs a dedicated job: it takes nothing. The next idle executor gets shared jobs only.
    const [r1, r2] = await jobClaimMany(db, [request(busy, 5), request(idle, 2)]);
    expect(ids(r1)).toEqual([]);
    expect(ids(r2)).toEqual(shared.slice(0, 2));
    const [dedicated2] = await pending(1, { cluster: 'dedicated', priority: 9 });
    const fresh = await executor();
    const [r3, r4] = await jobClaimMany(db, [request(fresh, 5), request(idle, 5)]);
    expect(ids(r3)).toEqual([dedicated2]);
    // idle runs shared jobs: never a dedicated one; it takes the shared job left.
    expect(ids(r4)).toEqual([shared[2]]);
  });

  it('answers each registration as the claim alone does: draining, unknown, and what it leaves to the caller', async () => {
    await pending(3);
    const draining = await executor();
    await executorDrain(db, draining);
    const pool = await computePoolCreate(db, planeId, 'batch-pool', 1);
    const inPool = await executor({ pool: pool!.id });
    const ok = await executor();
    const elsewhere = await executor();
    const results = await jobClaimMany(db, [
      request(draining), request('job-executor-nobody'), request(elsewhere, 1, { dataPlaneId: '00000000-0000-4000-8000-000000000001' }),
      request(ok), request(ok), request(inPool), request(ok, 1, { computePoolId: pool!.id }),
    ]);
    expect(ids(results[0])).toEqual([]);
    expect(results[1]).toEqual({ outcome: 'not_registered' });
    // Left to the caller (the one-executor claim): another plane's group of one, the same executor again, an
    // executor of a compute pool, and a request naming a pool.
    expect(results[2]).toBeUndefined();
    expect(ids(results[3])).toHaveLength(1);
    expect(results[4]).toBeUndefined();
    expect(results[5]).toBeUndefined();
    expect(results[6]).toBeUndefined();
    // What the caller then runs alone says the rest.
    expect(await jobClaim(db, request(elsewhere, 1, { dataPlaneId: '00000000-0000-4000-8000-000000000001' }), { type: 'executor', executor: elsewhere }))
      .toEqual({ outcome: 'plane_not_found' });
    // A pool's executor also takes jobs of no pool.
    expect(ids(await jobClaim(db, request(inPool), { type: 'executor', executor: inPool }))).toHaveLength(1);
  });

  it('refuses another company\'s executor as unregistered, without bumping it', async () => {
    await pending(2);
    const mine = await executor();
    const theirs = await executor();
    const before = await db.query<{ claim_seq: number }>('SELECT claim_seq FROM executors WHERE id = $1', [theirs]);
    const [r1, r2] = await jobClaimMany(db, [request(mine), request(theirs, 1, { companyId: companyId + 1000 })]);
    expect(ids(r1)).toHaveLength(1);
    expect(r2).toEqual({ outcome: 'not_registered' });
    const after = await db.query<{ claim_seq: number }>('SELECT claim_seq FROM executors WHERE id = $1', [theirs]);
    expect(after[0]!.claim_seq).toBe(before[0]!.claim_seq);
  });
});
