import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { forecastJob, startTestServer, type TestServer } from '../support/harness.js';
import { eventsOf, jobInState } from '../support/job-factory.js';
import { JobWrites } from '../../src/api/job-writes.js';
import { DEFAULT_RETRY_POLICY } from '../../src/store/retry-policy.js';
import type { Queryable } from '../../src/store/db/types.js';
import type { Actor } from '../../src/core/job.js';
import type { TransitionResult } from '../../src/store/job-transitions.js';
import { dbFingerprint } from '../support/db-fingerprint.js';

const LEASE_MS = 30_000;
const actor = (n: number): Actor => ({ type: 'api_user', company_id: 1, user_id: 1, token_id: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}` });

/** The run group commit on the server's database, recording the size of every batch it writes. */
function batcher(db: Queryable, maxBatch = 64) {
  const sizes: number[] = [];
  return { sizes, runs: new JobWrites(db, { leaseMs: LEASE_MS, maxBatch, retry: DEFAULT_RETRY_POLICY, onBatch: (_kind, n) => sizes.push(n) }) };
}

const applied = (r: TransitionResult) => {
  if (r.outcome !== 'applied') throw new Error(`expected applied, got ${r.outcome}`);
  return r;
};

describe.each(backends())('run batching (%s)', (backend) => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer(backend); });
  afterAll(async () => { await server?.close(); });
  const scope = () => ({ companyId: server.companyId });
  const newJobs = async (n: number) => Promise.all(Array.from({ length: n }, async () =>
    (await server.request('POST', '/jobs', { body: forecastJob() })).body.job_id as string));

  it('writes concurrent runs as one statement, each job with its own executor, actor and event', async () => {
    const ids = await newJobs(40);
    const { sizes, runs } = batcher(server.database.db);
    const results = await Promise.all(ids.map((jobId, i) =>
      runs.run({ jobId, scope: scope(), executor: `job-executor-${i}`, actor: actor(i) })));
    expect(sizes).toEqual([40]);
    results.forEach((r, i) => {
      const { job, from } = applied(r);
      expect(from).toBe('pending');
      expect(job).toMatchObject({ job_id: ids[i], state: 'running', executor: `job-executor-${i}`, attempt: 1 });
      expect(Date.parse(job.lease_expires_at!) - Date.parse(job.dequeued_at!)).toBe(LEASE_MS);
    });
    for (const [i, id] of ids.entries()) {
      const events = (await eventsOf(server, id)).filter((e) => e.action === 'run');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ from_state: 'pending', to_state: 'running', attempt: 1, executor: `job-executor-${i}`, actor: actor(i) });
      const got = (await server.request('GET', `/jobs/${id}`)).body;
      expect(got).toEqual(results[i]!.outcome === 'applied' ? (results[i] as { job: unknown }).job : undefined);
    }
  });

  it('decides every job of a mixed batch as the one-job statement would', async () => {
    const [pending, failed, running, completed, cancelled, pendingCancellation] = await Promise.all(
      (['pending', 'failed', 'running', 'completed', 'cancelled', 'pending_cancellation'] as const).map((s) => jobInState(server, s)),
    );
    const other = await server.otherCompany();
    const foreign = (await server.request('POST', '/jobs', { body: forecastJob(), token: other.token })).body;
    const missing = '00000000-0000-4000-8000-000000000000';
    const { sizes, runs } = batcher(server.database.db);
    const go = (jobId: string, executor: string) => runs.run({ jobId, scope: scope(), executor, actor: actor(7) });
    const [rPending, rDuplicate, rFailed, rRunning, rCompleted, rCancelled, rPendingCancellation, rForeign, rMissing] = await Promise.all([
      go(pending.job_id, 'job-executor-a'), go(pending.job_id, 'job-executor-b'), go(failed.job_id, 'job-executor-c'),
      go(running.job_id, 'job-executor-d'), go(completed.job_id, 'job-executor-e'), go(cancelled.job_id, 'job-executor-f'),
      go(pendingCancellation.job_id, 'job-executor-g'), go(foreign.job_id, 'job-executor-h'), go(missing, 'job-executor-i'),
    ]);
    // The duplicate skipped the batch (its job was already in it) and ran the one-job statement, racing the batch:
    // either may win, and the loser sees the winner's executor.
    expect(sizes).toEqual([8]);
    const [win, lose] = rPending!.outcome === 'applied' ? [rPending!, rDuplicate!] : [rDuplicate!, rPending!];
    expect(applied(win).job).toMatchObject({ state: 'running', attempt: 1 });
    expect(lose).toMatchObject({ outcome: 'noop', job: { executor: applied(win).job.executor, state: 'running', attempt: 1 } });
    expect(applied(rFailed!)).toMatchObject({ from: 'failed', job: { executor: 'job-executor-c', state: 'running', attempt: 2 } });
    expect(rRunning).toMatchObject({ outcome: 'noop', job: { executor: running.executor, attempt: running.attempt } });
    for (const [r, before] of [[rCompleted, completed], [rCancelled, cancelled], [rPendingCancellation, pendingCancellation]] as const) {
      expect(r).toMatchObject({ outcome: 'noop' });
      expect((r as { job: unknown }).job).toEqual(before);
    }
    expect(rForeign).toEqual({ outcome: 'not_found' });
    expect(rMissing).toEqual({ outcome: 'not_found' });
    expect((await server.request('GET', `/jobs/${foreign.job_id}`, { token: other.token })).body).toEqual(foreign);
    expect((await eventsOf(server, pending.job_id)).filter((e) => e.action === 'run')).toHaveLength(1);
    expect((await eventsOf(server, failed.job_id)).filter((e) => e.action === 'run')).toHaveLength(2);
  });

  it('applies an operator\'s scope per request: jobs of its data plane only', async () => {
    const other = await server.otherCompany();
    const [mine, theirs] = [(await newJobs(1))[0]!, (await server.request('POST', '/jobs', { body: forecastJob(), token: other.token })).body.job_id];
    const { sizes, runs } = batcher(server.database.db);
    const [a, b] = await Promise.all([
      runs.run({ jobId: mine, scope: { dataPlaneId: server.dataPlaneId }, executor: 'job-executor-op', actor: actor(8) }),
      runs.run({ jobId: theirs, scope: { dataPlaneId: server.dataPlaneId }, executor: 'job-executor-op', actor: actor(8) }),
    ]);
    expect(sizes).toEqual([2]);
    expect(applied(a!).job.executor).toBe('job-executor-op');
    expect(b).toEqual({ outcome: 'not_found' });
  });

  it('with a batch limit of 1, writes one statement per request', async () => {
    const ids = await newJobs(5);
    const { sizes, runs } = batcher(server.database.db, 1);
    const results = await Promise.all(ids.map((jobId) => runs.run({ jobId, scope: scope(), executor: 'job-executor-1', actor: actor(1) })));
    expect(sizes).toEqual([]);
    for (const r of results) expect(r.outcome).toBe('applied');
  });

  it('splits a queue longer than the batch limit into several batches', async () => {
    const ids = await newJobs(10);
    const { sizes, runs } = batcher(server.database.db, 4);
    const results = await Promise.all(ids.map((jobId) => runs.run({ jobId, scope: scope(), executor: 'job-executor-1', actor: actor(1) })));
    expect(sizes).toEqual([4, 4, 2]);
    for (const r of results) expect(r.outcome).toBe('applied');
  });

  it('retries a deadlocked batch one job at a time', async () => {
    const ids = await newJobs(3);
    const db = server.database.db;
    // PostgreSQL aborts one of two batches that lock the same rows in opposite orders (two servers): simulated here.
    const deadlocking: Queryable = {
      query: (text, values) => text.includes('unnest(')
        ? Promise.reject(Object.assign(new Error('deadlock detected'), { code: '40P01' }))
        : db.query(text, values),
    };
    const { sizes, runs } = batcher(deadlocking);
    const results = await Promise.all(ids.map((jobId, i) => runs.run({ jobId, scope: scope(), executor: `job-executor-${i}`, actor: actor(i) })));
    expect(sizes).toEqual([3]);
    results.forEach((r, i) => expect(applied(r).job.executor).toBe(`job-executor-${i}`));
  });

  it('fails every request of a batch whose statement fails otherwise, changing nothing', async () => {
    const ids = await newJobs(3);
    const db = server.database.db;
    const before = await dbFingerprint(db);
    const broken: Queryable = {
      query: (text, values) => text.includes('unnest(') ? Promise.reject(new Error('connection lost')) : db.query(text, values),
    };
    const { runs } = batcher(broken);
    const results = await Promise.allSettled(ids.map((jobId) => runs.run({ jobId, scope: scope(), executor: 'job-executor-1', actor: actor(1) })));
    for (const r of results) expect(r).toMatchObject({ status: 'rejected', reason: { message: 'connection lost' } });
    expect(await dbFingerprint(db)).toEqual(before);
    // The batcher is usable afterwards (a lone request takes the one-job statement, which this Queryable lets through).
    const again = await runs.run({ jobId: ids[0]!, scope: scope(), executor: 'job-executor-1', actor: actor(1) });
    expect(applied(again).job.executor).toBe('job-executor-1');
  });
});
