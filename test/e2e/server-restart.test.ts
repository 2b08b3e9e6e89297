import { afterAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { SpawnedServer } from '../support/plane-cluster.js';
import { waitFor } from '../support/wait-for.js';

const JOBS = 40;
const UNREACHABLE = 'jobplane API unreachable; retrying with backoff';
const RECOVERED = 'jobplane API reachable again';

/**
 * The API server crashes (SIGKILL) and comes back on the same database while operators are busy: they ride out the
 * outage with backoff, and every job still ends completed exactly once.
 */
describe.each(backends())('restarting the API server under load on %s', (backend) => {
  let server: SpawnedServer | undefined;
  afterAll(async () => server?.close());

  it('loses no job and completes each exactly once', async () => {
    server = await SpawnedServer.start(backend);
    const s = server;
    // The whole backlog first: about 5 s of work for 8 slots, so the crash lands in the middle of it.
    const jobs = [];
    for (let i = 0; i < JOBS; i++) jobs.push(await s.createJob('test-sleep', { ms: 1_000, i }, { max_attempts: 20 }));
    const ids = jobs.map((j) => j.job_id);
    const ops = await Promise.all([s.spawnOperator({ slots: 4 }), s.spawnOperator({ slots: 4 })]);

    const completedCount = async () => (await s.admin.listJobs({ state: 'completed', per_page: 1 })).total_records;
    await waitFor(async () => (await completedCount()) >= 5, { timeoutMs: 60_000, message: 'a few jobs to complete' });
    const before = await completedCount();
    expect(before, 'the restart must happen mid-run').toBeLessThan(JOBS);

    await s.restart('SIGKILL');

    const done = await waitFor(async () => {
      const all = await Promise.all(ids.map((id) => s.admin.getJob(id)));
      return all.every((j) => j.state === 'completed') ? all : undefined;
    }, { timeoutMs: 120_000, intervalMs: 250, message: 'every job to complete after the restart' });
    expect(done).toHaveLength(JOBS);
    for (const id of ids) {
      const completes = (await s.admin.listJobEvents(id)).records.filter((e) => e.action === 'complete');
      expect(completes, `job ${id} completed once`).toHaveLength(1);
    }
    // The outage is logged when it starts and when it ends, not per failed call: warnings and recoveries alternate,
    // and the crash (many failed claims, heartbeats and reports) is one warning. A loaded machine may add a short
    // second outage (a call timing out after the restart), which is then logged the same way.
    for (const op of ops) {
      const outage = op.proc.lines.filter((l) => l.msg === UNREACHABLE || l.msg === RECOVERED);
      const story = outage.map((l) => `${l.time} ${l.msg} ${JSON.stringify({ during: l['during'], error: l['error'], failed_calls: l['failed_calls'] })}`).join('\n');
      expect(outage.length, story).toBeGreaterThanOrEqual(2);
      outage.forEach((l, i) => expect(l.msg, story).toBe(i % 2 === 0 ? UNREACHABLE : RECOVERED));
      const failedCalls = outage.filter((l) => l.msg === RECOVERED).map((l) => l['failed_calls'] as number);
      expect(Math.max(...failedCalls), story).toBeGreaterThanOrEqual(3);
      expect(op.proc.running).toBe(true);
    }
  }, 240_000);
});
