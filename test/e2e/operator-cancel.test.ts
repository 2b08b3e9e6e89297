import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { SpawnedServer, type SpawnedOperator } from '../support/plane-cluster.js';

/** Two-phase cancellation as a handler sees it: its signal fires at once (the watch), then the job ends cancelled. */
describe.each(backends())('cancelling running jobs on %s', (backend) => {
  let server: SpawnedServer;
  let operator: SpawnedOperator;
  beforeAll(async () => {
    server = await SpawnedServer.start(backend);
    operator = await server.spawnOperator({ slots: 2 });
  }, 120_000);
  afterAll(async () => server?.close());

  async function startedJob(input: Record<string, unknown>) {
    const job = await server.createJob('test-sleep', input);
    await operator.proc.waitForLog((l) => l['job_id'] === job.job_id && l.msg === 'job started', 30_000);
    return job;
  }

  it('fires the handler\'s signal and ends the job cancelled', async () => {
    const job = await startedJob({ ms: 120_000 });
    const requestedAt = Date.now();
    const requested = await server.admin.requestCancellation(job.job_id);
    expect(requested.state).toBe('pending_cancellation');

    const aborted = await operator.proc.waitForLog((l) => l['job_id'] === job.job_id && l.msg === 'test-sleep aborted', 30_000);
    const latencyMs = (aborted.time as number) - requestedAt;
    console.info(`[${backend}] cancel request -> handler signal: ${latencyMs} ms (heartbeat interval 500 ms)`);
    expect(aborted['reason']).toBe('cancellation was requested');

    const done = await server.waitForJob(job.job_id, (j) => j.state === 'cancelled', 30_000, 'the job to be cancelled');
    expect(done.result).toBeNull();
    expect(done.failures).toEqual([]);
    const events = (await server.admin.listJobEvents(job.job_id)).records;
    const last = events.at(-1)!;
    expect(last).toMatchObject({ action: 'cancel', from_state: 'pending_cancellation', to_state: 'cancelled', executor: operator.executorId });
    expect(last.actor).toMatchObject({ type: 'executor', executor: operator.executorId });
  }, 90_000);

  it('a handler that finishes before it honours the request ends the job completed', async () => {
    const job = await startedJob({ ms: 2_500, ignore_signal: true });
    await server.admin.requestCancellation(job.job_id);
    const done = await server.waitForJob(job.job_id, (j) => j.state === 'completed' || j.state === 'cancelled', 30_000, 'the job to end');
    expect(done.state).toBe('completed');
    expect(done.result).toMatchObject({ executor: operator.executorId, attempt: 1 });
    const actions = (await server.admin.listJobEvents(job.job_id)).records.map((e) => e.action);
    expect(actions).toEqual(['create', 'claim', 'request_cancellation', 'complete']);
  }, 90_000);
});

/** With production timing (10 s heartbeats) the request must still reach the handler at once: the watch carries it. */
describe.each(backends())('cancelling with slow heartbeats on %s', (backend) => {
  let server: SpawnedServer;
  let operator: SpawnedOperator;
  beforeAll(async () => {
    server = await SpawnedServer.start(backend, { JOBPLANE_LEASE_MS: '60000', JOBPLANE_HEARTBEAT_MS: '20000' });
    operator = await server.spawnOperator({ slots: 1 });
  }, 120_000);
  afterAll(async () => server?.close());

  it('fires the handler\'s signal long before the next heartbeat (the cancellation watch)', async () => {
    const job = await server.createJob('test-sleep', { ms: 120_000 });
    await operator.proc.waitForLog((l) => l['job_id'] === job.job_id && l.msg === 'job started', 30_000);
    const requestedAt = Date.now();
    await server.admin.requestCancellation(job.job_id);
    const aborted = await operator.proc.waitForLog((l) => l['job_id'] === job.job_id && l.msg === 'test-sleep aborted', 30_000);
    const latencyMs = (aborted.time as number) - requestedAt;
    console.info(`[${backend}] cancel request -> handler signal: ${latencyMs} ms (heartbeat interval 20 s)`);
    // Delivered by the cancellation watch, not by a heartbeat's reply (the first heartbeat is 20 s away).
    const signalled = await operator.proc.waitForLog((l) => l['job_id'] === job.job_id && l.msg === 'job handler signalled to stop', 30_000);
    expect(signalled).toMatchObject({ cause: 'cancel_requested', via: 'watch' });
    const done = await server.waitForJob(job.job_id, (j) => j.state === 'cancelled', 30_000, 'the job to be cancelled');
    expect(done.failures).toEqual([]);
  }, 90_000);
});
