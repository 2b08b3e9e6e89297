import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { jobInState } from '../support/job-factory.js';
import { jobsPurgeFinished } from '../../src/store/retention.js';
import { jobFail } from '../../src/store/job-transitions.js';
import { snapshotInsert } from '../../src/store/snapshots.js';
import { MaintenanceService } from '../../src/server/maintenance/maintenance-service.js';
import { DEFAULT_RETRY_POLICY } from '../../src/store/retry-policy.js';

const DAY = 86_400_000;
const SCHEMA = { type: 'object', properties: { a: { type: 'string' } } };

describe.each(backends())('history retention (%s)', (backend) => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer(backend); });
  afterAll(async () => { await server?.close(); });

  /** Moves a finished job's end `days` into the past: the only way to age history in a test. */
  const age = async (jobId: string, days: number) => {
    await server.database.db.query(`UPDATE jobs SET ended_at = ended_at - $2 * interval '1 day' WHERE job_id = $1`, [jobId, days]);
  };
  const exists = async (jobId: string) => (await server.request('GET', `/jobs/${jobId}`)).status === 200;
  const eventCount = async (jobId: string) => (await server.database.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM job_events WHERE job_id = $1', [jobId]))[0]!.n;

  it('deletes finished jobs past the retention with their events, and keeps everything else', async () => {
    const [completed, cancelled, failed, recent, running, pending, withSnapshot] = await Promise.all(
      (['completed', 'cancelled', 'failed', 'completed', 'running', 'pending', 'completed'] as const).map((s) => jobInState(server, s)),
    );
    // A failed job with an automatic retry still pending is not finished.
    const retrying = await jobInState(server, 'running', 'job-executor-retry');
    await jobFail(server.database.db, retrying.job_id, { companyId: server.companyId }, { executor: 'job-executor-retry', attempt: 1 }, {
      failure: { message: 'transient', timestamp: new Date().toISOString(), value: {} }, retryable: true, retry: { baseMs: 1_000, maxMs: 1_000 },
    }, { type: 'executor', executor: 'job-executor-retry' });
    // A job that wrote a snapshot is that snapshot's lineage.
    const dataset = (await server.request('POST', '/datasets', { body: { name: 'retention_ds', schema: SCHEMA } })).body;
    await snapshotInsert(server.database.db, {
      snapshotId: 4242, datasetId: dataset.id, parentSnapshotId: null, operation: 'append', files: [], rowCount: 0, bytes: 0,
      jobId: withSnapshot.job_id, inputs: [],
    });
    for (const j of [completed, cancelled, failed, retrying, withSnapshot]) await age(j.job_id, 40);
    await age(recent.job_id, 10);
    expect(await eventCount(completed.job_id)).toBeGreaterThan(0);

    expect(await jobsPurgeFinished(server.database.db, 30 * DAY)).toBe(3);
    for (const gone of [completed, cancelled, failed]) {
      expect(await exists(gone.job_id)).toBe(false);
      expect(await eventCount(gone.job_id)).toBe(0);
    }
    for (const kept of [recent, running, pending, retrying, withSnapshot]) expect(await exists(kept.job_id)).toBe(true);
    expect(await jobsPurgeFinished(server.database.db, 30 * DAY)).toBe(0);
  });

  it('deletes at most a batch per call, oldest first, and frees the idempotency key', async () => {
    const jobs = await Promise.all(Array.from({ length: 3 }, () => jobInState(server, 'cancelled')));
    for (const [i, j] of jobs.entries()) await age(j.job_id, 100 - i);
    expect(await jobsPurgeFinished(server.database.db, 30 * DAY, 2)).toBe(2);
    expect(await exists(jobs[0]!.job_id)).toBe(false);
    expect(await exists(jobs[1]!.job_id)).toBe(false);
    expect(await exists(jobs[2]!.job_id)).toBe(true);
    expect(await jobsPurgeFinished(server.database.db, 30 * DAY, 2)).toBe(1);

    const keyed = (await server.request('POST', '/jobs', { body: { type: 'nql-forecast', idempotency_key: 'retention-key',
      input: { nql: 'EXPLAIN SELECT "a" FROM company_data."1"', compiled_sql: 'SELECT "a" FROM "ds_1"' } } })).body;
    await server.request('POST', `/jobs/${keyed.job_id}/request-cancellation`);
    await server.request('POST', `/jobs/${keyed.job_id}/cancel`);
    await age(keyed.job_id, 40);
    await jobsPurgeFinished(server.database.db, 30 * DAY);
    const again = await server.request('POST', '/jobs', { body: { type: 'nql-forecast', idempotency_key: 'retention-key',
      input: { nql: 'EXPLAIN SELECT "a" FROM company_data."1"', compiled_sql: 'SELECT "a" FROM "ds_1"' } } });
    expect(again.status).toBe(201);
    expect(again.body.job_id).not.toBe(keyed.job_id);
  });

  it('runs in the maintenance pass when a retention is configured, and not otherwise', async () => {
    const old = await jobInState(server, 'completed');
    await age(old.job_id, 40);
    const maintenance = (retentionMs?: number) => new MaintenanceService(server.database.db, server.app.signals,
      { intervalMs: 1_000, retry: DEFAULT_RETRY_POLICY, executorSilenceMs: 60_000, ...(retentionMs ? { retentionMs } : {}) }, pino({ level: 'silent' }));
    expect(await maintenance().runOnce()).toMatchObject({ ran: true, jobsPurged: 0 });
    expect(await exists(old.job_id)).toBe(true);
    expect(await maintenance(30 * DAY).runOnce()).toMatchObject({ ran: true, jobsPurged: 1 });
    expect(await exists(old.job_id)).toBe(false);
  });
});
