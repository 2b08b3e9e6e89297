import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { SpawnedServer } from '../support/plane-cluster.js';

/**
 * Crash recovery with real operator processes: a job whose operator dies (SIGKILL) or freezes (SIGSTOP) past its
 * lease is re-run by another operator and completed exactly once; the frozen one's late calls are fenced off (409).
 */
describe.each(backends())('operator crash recovery on %s', (backend) => {
  let server: SpawnedServer;
  beforeAll(async () => {
    server = await SpawnedServer.start(backend);
  }, 120_000);
  afterEach(async () => server?.killOperators()); // each test starts with operators of its own
  afterAll(async () => server?.close());

  /**
   * Two operators on a data plane of their own; returns the one that took the job and the other. A plane per test
   * keeps a killed operator's last long-poll (which the server may still answer, see docs/operator.md) away from
   * the next test's jobs.
   */
  async function runOnOneOf(ms: number) {
    const planeId = (await server.admin.createDataPlane({ display_name: `crash ${ms}` })).id;
    const ops = await Promise.all([1, 2].map(() => server.spawnOperator({ dataPlaneId: planeId, slots: 1 })));
    const job = await server.createJob('test-sleep', { ms }, { max_attempts: 5, data_plane_id: planeId });
    const running = await server.waitForJob(job.job_id, (j) => j.state === 'running', 30_000, 'the job to run');
    const victim = ops.find((o) => o.executorId === running.executor)!;
    const survivor = ops.find((o) => o !== victim)!;
    expect(victim, `executor ${running.executor} is one of ours`).toBeDefined();
    await victim.proc.waitForLog((l) => l['job_id'] === job.job_id && l.msg === 'job started');
    return { job: running, victim, survivor };
  }

  const completes = async (jobId: string) =>
    (await server.admin.listJobEvents(jobId)).records.filter((e) => e.action === 'complete');

  it('SIGKILL mid-job: the lease expires, another operator re-runs it, it completes exactly once', async () => {
    const { job, victim, survivor } = await runOnOneOf(1_500);
    await victim.proc.kill();

    const done = await server.waitForJob(job.job_id, (j) => j.state === 'completed', 45_000, 'completion by the survivor');
    expect(done.executor).toBe(survivor.executorId);
    expect(done.attempt).toBe(2);
    expect(done.result).toMatchObject({ executor: survivor.executorId, attempt: 2 });
    expect(done.failures).toHaveLength(1);
    expect(done.failures[0]).toMatchObject({ message: 'lease expired', value: { executor: victim.executorId, attempt: 1 } });
    const complete = await completes(job.job_id);
    expect(complete).toHaveLength(1);
    expect(complete[0]!.executor).toBe(survivor.executorId);
  }, 120_000);

  it('SIGSTOP past the lease: the other operator completes it; on SIGCONT the zombie gets 409 and changes nothing', async () => {
    const { job, victim, survivor } = await runOnOneOf(3_000);
    victim.proc.signal('SIGSTOP');
    try {
      const done = await server.waitForJob(job.job_id, (j) => j.state === 'completed', 45_000, 'completion by the survivor');
      expect(done.executor).toBe(survivor.executorId);
    } finally {
      victim.proc.signal('SIGCONT');
    }
    // Woken up, the zombie heartbeats and/or completes with its old lease: both are refused and it drops the job.
    const refused = await victim.proc.waitForLog((l) => l['job_id'] === job.job_id && /refused/.test(String(l.msg)), 30_000);
    expect(refused['status']).toBe(409);
    expect(refused['code']).toBe('stale_lease');
    await victim.proc.waitForLog((l) => l['job_id'] === job.job_id && l.msg === 'job finished');
    expect(victim.jobLines(job.job_id).find((l) => l.msg === 'job finished')!['outcome']).toBe('lease_lost');

    const final = await server.admin.getJob(job.job_id);
    expect(final.state).toBe('completed');
    expect(final.result).toMatchObject({ executor: survivor.executorId, attempt: 2 });
    expect(final.failures.map((f) => f.message)).toEqual(['lease expired']);
    expect((await completes(job.job_id)).map((e) => e.executor)).toEqual([survivor.executorId]);
    // The zombie carries on claiming work afterwards: it lost a job, not its footing.
    const next = await server.createJob('test-echo', { after: 'zombie' }, { data_plane_id: job.data_plane_id });
    await server.waitForJob(next.job_id, (j) => j.state === 'completed');
  }, 120_000);
});
