import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound } from '../../src/client/index.js';
import { backends } from '../support/backends.js';
import { SpawnedServer } from '../support/plane-cluster.js';

/** Shutting an operator down (SIGTERM) and deregistering an executor give its jobs back without waiting for leases. */
describe.each(backends())('drain and deregistration on %s', (backend) => {
  let server: SpawnedServer;
  beforeAll(async () => {
    server = await SpawnedServer.start(backend);
  }, 120_000);
  afterAll(async () => server?.close());

  const plane = async (name: string) => (await server.admin.createDataPlane({ display_name: name })).id;

  it('SIGTERM: claims nothing more, lets short jobs finish, fails the rest as retryable, deregisters, exits 0', async () => {
    const planeId = await plane('drain');
    const op = await server.spawnOperator({ dataPlaneId: planeId, slots: 2, graceMs: 2_500 });
    const short = await server.createJob('test-sleep', { ms: 1_200 }, { data_plane_id: planeId });
    const long = await server.createJob('test-sleep', { ms: 120_000 }, { data_plane_id: planeId, max_attempts: 3 });
    for (const job of [short, long]) await op.proc.waitForLog((l) => l['job_id'] === job.job_id && l.msg === 'job started');

    op.proc.signal('SIGTERM');
    await op.proc.waitForLog((l) => l.msg === 'claiming stopped; waiting for running jobs');
    const late = await server.createJob('test-echo', { late: true }, { data_plane_id: planeId });
    expect(await op.proc.exited).toBe(0);

    expect((await server.admin.getJob(short.job_id)).state).toBe('completed');
    const failed = await server.admin.getJob(long.job_id);
    expect(failed.state).toBe('failed');
    expect(failed.retry_at).not.toBeNull(); // retryable: it will run again
    expect(failed.failures).toHaveLength(1);
    expect(failed.failures[0]!.message).toMatch(/drain grace period ended/);
    expect(op.jobLines(long.job_id).some((l) => l.msg === 'test-sleep aborted')).toBe(true);
    const lateNow = await server.admin.getJob(late.job_id);
    expect(lateNow).toMatchObject({ state: 'pending', executor: null });
    await expect(server.admin.getExecutor(op.executorId)).rejects.toSatisfy(isNotFound);
    await server.admin.requestCancellation(late.job_id);
    await server.admin.requestCancellation(long.job_id);
  }, 120_000);

  it('DELETE /executors/{id}: its running job is pending at once; the old lease is fenced off; it runs again', async () => {
    const planeId = await plane('deregister');
    const op = await server.spawnOperator({ dataPlaneId: planeId, slots: 1 });
    const job = await server.createJob('test-sleep', { ms: 120_000 }, { data_plane_id: planeId });
    await op.proc.waitForLog((l) => l['job_id'] === job.job_id && l.msg === 'job started');

    const released = await server.admin.deregisterExecutor(op.executorId);
    expect(released).toEqual({ id: op.executorId, released_jobs: 1 });
    const now = await server.admin.getJob(job.job_id);
    // Released, not expired: pending right away (the 3 s lease has not run out), attempt kept, no failure.
    expect(now).toMatchObject({ state: 'pending', attempt: 1, failures: [] });

    // The operator's next heartbeat is refused: its handler is aborted and it reports nothing for that lease.
    await op.proc.waitForLog((l) => l['job_id'] === job.job_id && l['attempt'] === 1 && l.msg === 'job finished');
    const firstRun = op.jobLines(job.job_id).filter((l) => l['attempt'] === 1);
    expect(firstRun.find((l) => l.msg === 'job finished')!['outcome']).toBe('lease_lost');
    expect(firstRun.find((l) => /refused/.test(String(l.msg)))).toMatchObject({ status: 409, code: 'stale_lease' });

    // The job runs again (attempt 2). The operator notices its registration is gone and registers anew; the
    // released job may already have been claimed again under the old id, since the server accepts claims from
    // unregistered executor ids (see docs/operator.md).
    const again = await op.proc.waitForLog((l) => l.msg === 'executor registered' && l['executor'] !== op.executorId, 30_000);
    const rerun = await server.waitForJob(job.job_id, (j) => j.state === 'running' && j.attempt === 2, 30_000, 'the job to run again');
    expect([op.executorId, again['executor']]).toContain(rerun.executor);
    const events = (await server.admin.listJobEvents(job.job_id)).records.map((e) => e.action);
    expect(events).toEqual(['create', 'claim', 'release', 'claim']);
    await server.admin.requestCancellation(job.job_id);
    await server.waitForJob(job.job_id, (j) => j.state === 'cancelled');
    op.proc.signal('SIGTERM');
    expect(await op.proc.exited).toBe(0);
  }, 120_000);
});
