import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/client/index.js';
import { backends } from '../support/backends.js';
import { SpawnedServer } from '../support/plane-cluster.js';
import { waitFor } from '../support/wait-for.js';

/** The most jobs whose [dequeued_at, ended_at) intervals overlap at any instant (server timestamps, one clock). */
function maxOverlap(jobs: Job[]): number {
  const edges = jobs.flatMap((j) => [
    { at: Date.parse(j.dequeued_at!), delta: 1 },
    { at: Date.parse(j.ended_at!), delta: -1 },
  ]).sort((a, b) => a.at - b.at || a.delta - b.delta); // an end and a start at the same instant do not overlap
  let current = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (current += e.delta));
  return max;
}

describe.each(backends())('routing jobs to executors on %s', (backend) => {
  let server: SpawnedServer;
  let otherPlaneId: string;
  beforeAll(async () => {
    server = await SpawnedServer.start(backend);
    otherPlaneId = (await server.admin.createDataPlane({ display_name: 'routing: second plane' })).id;
  }, 120_000);
  afterEach(async () => server?.killOperators());
  afterAll(async () => server?.close());

  const allDone = (ids: string[], timeoutMs = 60_000) => waitFor(async () => {
    const jobs = await Promise.all(ids.map((id) => server.admin.getJob(id)));
    return jobs.every((j) => j.state === 'completed') ? jobs : undefined;
  }, { timeoutMs, message: `${ids.length} jobs to complete` });

  it('runs a job only on executors of its data plane, and only types the executor handles', async () => {
    const [home, echoOnly] = await Promise.all([
      server.spawnOperator({ slots: 2 }),
      server.spawnOperator({ dataPlaneId: otherPlaneId, slots: 2, types: ['test-echo'] }),
    ]);
    // Oldest first: if the type filter were ignored, the echo-only executor would take the sleep job first.
    const sleepOnOther = await server.createJob('test-sleep', { ms: 10 }, { data_plane_id: otherPlaneId });
    const echoOnOther = await Promise.all([1, 2, 3].map((i) => server.createJob('test-echo', { i }, { data_plane_id: otherPlaneId })));
    const echoHome = await Promise.all([1, 2, 3].map((i) => server.createJob('test-echo', { i })));

    for (const job of await allDone(echoOnOther.map((j) => j.job_id))) expect(job.executor).toBe(echoOnly.executorId);
    for (const job of await allDone(echoHome.map((j) => j.job_id))) expect(job.executor).toBe(home.executorId);
    const waiting = await server.admin.getJob(sleepOnOther.job_id);
    expect(waiting).toMatchObject({ state: 'pending', executor: null, attempt: 0 });
    await server.admin.requestCancellation(sleepOnOther.job_id);
  }, 120_000);

  it('holds a compute pool\'s concurrency limit across two operators', async () => {
    const planeId = (await server.admin.createDataPlane({ display_name: 'routing: pool plane' })).id;
    const pool = await server.admin.createComputePool(planeId, { name: 'two-at-once', max_concurrency: 2 });
    const inPool = { data_plane_id: planeId, compute_pool_id: pool.id };
    const hold = (who: string) => server.createJob('test-sleep', { ms: 120_000, hold: who }, inPool); // until cancelled
    const running = (job: Job) => job.state === 'running';

    // Fill the pool with one job on each operator: A (one slot) takes the first; the second waits for B.
    const a = await server.spawnOperator({ dataPlaneId: planeId, pool: pool.id, slots: 1 });
    const holdA = await hold('a');
    expect((await server.waitForJob(holdA.job_id, running)).executor).toBe(a.executorId);
    const holdB = await hold('b');
    const b = await server.spawnOperator({ dataPlaneId: planeId, pool: pool.id, slots: 4 });
    expect((await server.waitForJob(holdB.job_id, running)).executor).toBe(b.executorId);

    // B runs one job but has three free slots: only the pool's limit, counted across both operators, keeps it from
    // taking these. Its claim of a job outside the pool, queued after them, shows that it looked and left them.
    const waiting = await Promise.all([1, 2].map((i) => server.createJob('test-sleep', { ms: 300, i }, inPool)));
    const outside = await server.createJob('test-echo', { outside_the_pool: true }, { data_plane_id: planeId });
    expect((await server.waitForJob(outside.job_id, (j) => j.state === 'completed')).executor).toBe(b.executorId);
    for (const job of waiting) expect(await server.admin.getJob(job.job_id)).toMatchObject({ state: 'pending', executor: null });

    // Freeing the pool lets them run, and at no instant did more than two of the pool's jobs run.
    await Promise.all([holdA, holdB].map((j) => server.admin.requestCancellation(j.job_id)));
    const done = await allDone(waiting.map((j) => j.job_id), 90_000);
    const holders = await Promise.all([holdA, holdB].map((j) => server.waitForJob(j.job_id, (x) => x.state === 'cancelled')));
    expect(maxOverlap([...holders, ...done])).toBe(2);
    for (const j of done) expect([a.executorId, b.executorId]).toContain(j.executor);
  }, 120_000);

  it('runs a dedicated job alone on its executor, shared jobs side by side', async () => {
    const planeId = (await server.admin.createDataPlane({ display_name: 'routing: dedicated plane' })).id;
    const create = (cluster: 'dedicated' | 'shared', i: number) =>
      server.createJob('test-sleep', { ms: 700, i }, { data_plane_id: planeId, execution_cluster: { type: cluster } });
    // Queued before the operator starts, so its first claim sees them all: 1, 2 and 4 run together, 3 waits.
    const jobs = [await create('shared', 1), await create('shared', 2), await create('dedicated', 3), await create('shared', 4), await create('shared', 5)];
    const op = await server.spawnOperator({ dataPlaneId: planeId, slots: 3 });
    const done = await allDone(jobs.map((j) => j.job_id), 90_000);
    const dedicated = done.find((j) => j.execution_cluster.type === 'dedicated')!;
    const shared = done.filter((j) => j !== dedicated);
    for (const other of shared) {
      const overlaps = Date.parse(other.dequeued_at!) < Date.parse(dedicated.ended_at!)
        && Date.parse(dedicated.dequeued_at!) < Date.parse(other.ended_at!);
      expect(overlaps, `shared job ${other.input['i']} overlapped the dedicated one`).toBe(false);
    }
    expect(maxOverlap(shared)).toBeGreaterThanOrEqual(2); // shared jobs did fill the slots
    for (const j of done) expect(j.executor).toBe(op.executorId);
  }, 120_000);
});
