import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/client/index.js';
import { backends } from '../support/backends.js';
import { SpawnedServer } from '../support/plane-cluster.js';
import { spawnCli } from '../support/spawn.js';
import { waitFor } from '../support/wait-for.js';
import { jp, json, startOperator } from './cli-support.js';

const TYPES = ['test-sleep', 'test-fail', 'test-flaky'];
const HANDLERS = TYPES.map((t) => `test/fixtures/handlers/${t}.ts`);

/** `jobplane job ...`, `executor list`, `plane list|create` against a real server and operator. */
describe.each(backends())('jobplane job, executor and plane commands on %s', (backend) => {
  let server: SpawnedServer;
  let executorId: string;
  let stopOperator: () => Promise<void>;
  beforeAll(async () => {
    server = await SpawnedServer.start(backend, { JOBPLANE_EXTRA_JOB_TYPES: TYPES.join(',') });
    const operator = await startOperator(server, { token: server.adminToken, handlers: HANDLERS, builtins: false, slots: 3 });
    executorId = operator.executorId;
    stopOperator = () => operator.proc.kill();
  }, 180_000);
  afterAll(async () => {
    await stopOperator?.();
    await server?.close();
  });
  const cli = (...args: string[]) => jp(server, args);

  it('job wait follows a job through a retry to completed (exit 0); get, list and events in tables and --json', async () => {
    const job = await server.createJob('test-flaky', { fail_times: 1 }, { max_attempts: 3 });
    const waited = await cli('job', 'wait', job.job_id, '--timeout', '60s');
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toBe('completed\n');

    const got = await cli('job', 'get', job.job_id, '--json');
    const final = json<Job>(got);
    expect(final).toEqual(await server.admin.getJob(job.job_id)); // the API's JSON, unchanged
    expect(final).toMatchObject({ state: 'completed', attempt: 2, result: { attempt: 2 } });
    expect(final.failures.map((f) => f.message)).toEqual(['flaky failure on attempt 1']);
    expect((await cli('job', 'get', job.job_id, '--field', 'result.attempt')).stdout).toBe('2\n');
    const human = await cli('job', 'get', job.job_id);
    expect(human.stdout).toMatch(/^state: +completed$/m);
    expect(human.stdout).toMatch(/^attempt: +2 of 3$/m);

    const list = await cli('job', 'list', '--type', 'test-flaky', '--json');
    expect(json(list)).toEqual(await server.admin.listJobs({ type: 'test-flaky', per_page: 25 }));
    const table = await cli('job', 'list', '--state', 'completed');
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +TYPE +STATE +ATTEMPT +AGE +UPDATED +MESSAGE$/);
    expect(table.stdout).toMatch(new RegExp(`^${job.job_id} +test-flaky +completed +2/3 `, 'm'));

    const events = json<{ records: Array<{ action: string }> }>(await cli('job', 'events', job.job_id, '--json'));
    expect(events).toEqual(await server.admin.listJobEvents(job.job_id));
    expect(events.records.map((e) => e.action)).toEqual(['create', 'claim', 'fail', 'claim', 'complete']);
    expect((await cli('job', 'events', job.job_id)).stdout).toMatch(/^\S+ +fail +running +failed +1 +job-executor-/m);
  }, 120_000);

  it('job wait exits 1 with the failure message for a job that failed for good', async () => {
    const job = await server.createJob('test-fail', { retryable: false });
    const waited = await cli('job', 'wait', job.job_id, '--timeout', '60s');
    expect(waited.code).toBe(1);
    expect(waited.stdout).toBe('failed\n');
    expect(waited.stderr).toContain(`job ${job.job_id} failed after 1 attempt: fatal failure on attempt 1`);
  }, 90_000);

  it('job cancel stops a running job (exit 0, cancelled); job wait on it then exits 2', async () => {
    const job = await server.createJob('test-sleep', { ms: 120_000 });
    await server.waitForJob(job.job_id, (j) => j.state === 'running', 30_000, 'the sleep to run');
    const cancelled = await cli('job', 'cancel', job.job_id, '--timeout', '60s');
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toBe('cancelled\n');
    const after = await server.admin.getJob(job.job_id);
    expect(after.state).toBe('cancelled');
    // Acknowledged by the executor that ran it, not finalized around it.
    const events = (await server.admin.listJobEvents(job.job_id)).records;
    expect(events.at(-1)).toMatchObject({ action: 'cancel', executor: executorId });

    const waited = await cli('job', 'wait', job.job_id);
    expect(waited.code).toBe(2);
    expect(waited.stdout).toBe('cancelled\n');
    expect(waited.stderr).toContain('was cancelled');
  }, 90_000);

  it('job cancel --now finalizes at once; --no-wait only asks; reschedule needs --force for a finished job', async () => {
    // A plane without an operator: its jobs stay pending, so every step is deterministic.
    const plane = await cli('plane', 'create', '--name', `idle-${backend}`, '--description', 'no operator here');
    expect(plane.code, plane.stderr).toBe(0);
    const planeId = plane.stdout.trim();
    expect(planeId).toMatch(/^[0-9a-f-]{36}$/);
    const planes = await cli('plane', 'list');
    expect(planes.stdout).toMatch(new RegExp(`^${planeId} +idle-${backend} +duckdb +active +never `, 'm'));
    const listed = json<{ records: Array<{ id: string }> }>(await cli('plane', 'list', '--json'));
    expect(listed.records.find((p) => p.id === planeId)).toEqual(await server.admin.getDataPlane(planeId));

    const first = await server.createJob('test-sleep', { ms: 1 }, { data_plane_id: planeId });
    const asked = await cli('job', 'cancel', first.job_id, '--no-wait');
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stdout).toBe('pending_cancellation\n');

    const second = await server.createJob('test-sleep', { ms: 1 }, { data_plane_id: planeId });
    const now = await cli('job', 'cancel', second.job_id, '--now', '--json');
    expect(now.code, now.stderr).toBe(0);
    expect(json<Job>(now).state).toBe('cancelled');

    const skipped = await cli('job', 'reschedule', second.job_id);
    expect(skipped.code).toBe(1);
    expect(skipped.stdout).toContain('not rescheduled (pass --force');
    const forced = await cli('job', 'reschedule', second.job_id, '--force', '--json');
    expect(forced.code, forced.stderr).toBe(0);
    expect(json(forced)).toMatchObject({ outcome: 'rescheduled', job: { job_id: second.job_id, state: 'pending' } });
  }, 90_000);

  it('job get --watch prints each change until the job is over; job list --watch prints changed jobs', async () => {
    // On a plane without an operator the job waits, pending, until we cancel it: two states the watch must print.
    const plane = await server.admin.createDataPlane({ display_name: `watched-${backend}` });
    const job = await server.createJob('test-sleep', { ms: 1 }, { data_plane_id: plane.id });
    const watch = spawnCli(['job', 'get', job.job_id, '--watch', '--interval', '100ms'], { JOBPLANE_API: server.url, JOBPLANE_TOKEN: server.adminToken });
    await waitFor(() => / pending +attempt 0\/3$/m.test(watch.stdout()), { timeoutMs: 60_000, message: 'the pending line' });
    await server.admin.requestCancellation(job.job_id);
    expect(await watch.exited, watch.stderr()).toBe(0);
    const lines = watch.stdout().trim().split('\n');
    expect(lines[0]).toMatch(/ pending +attempt 0\/3$/);
    expect(lines.at(-1)).toMatch(/ cancelled +attempt 0\/3$/); // finalized by the server: no executor held it

    const listing = spawnCli(['job', 'list', '--watch', '--interval', '200ms', '--type', 'test-sleep', '--json'], {
      JOBPLANE_API: server.url, JOBPLANE_TOKEN: server.adminToken,
    });
    try {
      await waitFor(() => listing.stdout().includes(job.job_id), { timeoutMs: 60_000, message: 'the first listing' });
      const fresh = await server.createJob('test-sleep', { ms: 1 });
      const seen = await waitFor(() => listing.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Job)
        .find((j) => j.job_id === fresh.job_id && j.state === 'completed'), { timeoutMs: 60_000, message: 'the new job, completed, in the watch' });
      expect(seen.result).toMatchObject({ attempt: 1 });
    } finally {
      listing.kill();
      await listing.exited;
    }
  }, 120_000);

  it('executor list shows the operator', async () => {
    const table = await cli('executor', 'list');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^${executorId} +\\S+ +active +\\S*test-flaky\\S* +3 +`, 'm'));
    const list = json<{ records: Array<{ id: string }> }>(await cli('executor', 'list', '--json', '--data-plane', server.dataPlaneId));
    expect(list.records.map((e) => e.id)).toContain(executorId);
  }, 120_000);

  it('says which URL it tried and how it chose it, and prints a problem\'s detail and pointers', async () => {
    const closed = await closedPort();
    const down = await jp({ url: `http://127.0.0.1:${closed}`, adminToken: 'jp_x' }, ['job', 'list']);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`jobplane: the jobplane API at http://127.0.0.1:${closed} (from JOBPLANE_API) is unreachable: ECONNREFUSED\n`);
    const flag = await jp(server, ['job', 'list', '--api', `http://127.0.0.1:${closed}`]);
    expect(flag.stderr).toContain(`at http://127.0.0.1:${closed} (from --api) is unreachable`);

    const missing = await cli('job', 'get', '00000000-0000-4000-8000-000000000000');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('jobplane: GET /jobs/00000000-0000-4000-8000-000000000000: 404 not_found: job 00000000-0000-4000-8000-000000000000 was not found\n');
    const invalid = await cli('job', 'get', 'not-a-uuid');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^jobplane: GET \/jobs\/not-a-uuid: 400 validation_failed: .+\n {2}params \/job_id: .+/);
    const forbidden = await jp(server, ['executor', 'list'], (await server.admin.createToken({ name: 'r', permissions: [{ resource: 'jobs', access: 'read' }] })).access_token);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain('403 forbidden');
    expect(forbidden.stderr).toContain('data-planes:read');
  }, 120_000);
});

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}
