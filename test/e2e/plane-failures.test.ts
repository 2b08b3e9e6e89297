import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/client/index.js';
import { backends } from '../support/backends.js';
import { isTerminal, type SpawnedOperator, type SpawnedServer } from '../support/plane-cluster.js';
import {
  FAST_SWEEP, SAMPLE_DATASET_ID, cancelUnfinishedJobs, filesIn, missingFiles, plantOrphan, quickViewNql, slowViewNql,
  snapshotDirsOnDisk, spawnPlaneOperator, startPlaneServer, verySlowViewNql, waitForAttemptDir,
} from '../support/plane-data.js';
import { waitFor } from '../support/wait-for.js';

/** Enough rows for the self-joins of plane-data.ts to run for seconds; generated in well under a second. */
const SAMPLE_ROWS = 200_000;
const HOUR = 3_600_000;

/**
 * The data plane's failure handling with real processes: a `jobplane serve` (FAST_TIMING: 3 s lease, 500 ms
 * heartbeats) and operator processes with the built-in handlers on the server's storage, running
 * materialize-view jobs over the sample dataset. What is checked is what a user and the disk see: job states,
 * failures, job events, the snapshots of the target dataset, and the attempt directories under
 * `<storage>/datasets/<id>/snapshots/`.
 *
 * All jobs run on the server's own data plane (the sample dataset's); each test starts its own operators and
 * stops them after it (SIGTERM: drained and deregistered, so that no claim of theirs reaches the next test).
 */
describe.each(backends())('the data plane under failures (%s)', (backend) => {
  let server: SpawnedServer;
  let storage: string;
  beforeAll(async () => {
    server = await startPlaneServer(backend, SAMPLE_ROWS);
    storage = server.storageDir;
  }, 240_000);
  afterEach(async () => {
    await server?.stopOperators();
    if (server) await cancelUnfinishedJobs(server.admin);
  }, 60_000);
  afterAll(async () => server?.close());

  /** Runs NQL; returns the job id and the view's dataset id. */
  async function runView(nql: string): Promise<{ jobId: string; datasetId: number }> {
    const run = await server.admin.runNql({ nql });
    expect(run.type).toBe('materialize-view');
    return { jobId: run.id, datasetId: run.input['dataset_id'] as number };
  }

  const startedOn = (op: SpawnedOperator, jobId: string) =>
    op.proc.waitForLog((l) => l['job_id'] === jobId && l.msg === 'job started', 60_000);

  const finished = (jobId: string, timeoutMs = 120_000) =>
    server.waitForJob(jobId, isTerminal, timeoutMs, 'the job to end');

  const actions = async (jobId: string) => (await server.admin.listJobEvents(jobId)).records;

  it('cancellation mid-query: the engine is interrupted, the job ends cancelled, nothing is committed or left on disk', async () => {
    const op = await spawnPlaneOperator(server);
    const { jobId, datasetId } = await runView(verySlowViewNql('cancel_mid_query'));
    await startedOn(op, jobId);
    // COPY has created its first file: DuckDB is inside the query (a join of half a minute and more).
    const attempt = await waitForAttemptDir(storage, datasetId, { withPart: true });
    expect((await server.admin.getJob(jobId)).state).toBe('running');

    const requestedAt = Date.now();
    expect((await server.admin.requestCancellation(jobId)).state).toBe('pending_cancellation');
    const done = await waitFor(async () => {
      const j = await server.admin.getJob(jobId);
      return isTerminal(j) ? j : undefined;
    }, { timeoutMs: 60_000, intervalMs: 50, message: 'the job to end after the cancellation request' });
    const latencyMs = Date.now() - requestedAt;
    const signalled = op.proc.find((l) => l['job_id'] === jobId && l.msg === 'job handler signalled to stop');
    console.info(`[${backend}] cancel request -> job cancelled: ${latencyMs} ms ` +
      `(-> handler signal: ${signalled ? (signalled.time as number) - requestedAt : '?'} ms; heartbeat 500 ms)`);

    expect(done.state, JSON.stringify(done.failures)).toBe('cancelled');
    expect(done.result).toBeNull();
    expect(done.failures).toEqual([]);
    // The query alone runs for half a minute and more; a handler that did not stop would be given up after the
    // operator's abort grace, which the log below would say. (The latency is reported above, not asserted.)
    const finishedLine = await op.proc.waitForLog((l) => l['job_id'] === jobId && l.msg === 'job finished', 30_000);
    expect(finishedLine['outcome']).toBe('cancelled');
    expect(op.jobLines(jobId).map((l) => l.msg)).not.toContain('job handler ignored its abort signal; no longer waiting for it');
    expect(op.jobLines(jobId).map((l) => l.msg)).not.toContain('snapshot written');
    expect((await actions(jobId)).map((e) => e.action)).toEqual(['create', 'claim', 'request_cancellation', 'cancel']);

    // Nothing committed, and the attempt deleted its directory before it acknowledged: no wait needed.
    expect((await server.admin.listSnapshots(datasetId)).records).toEqual([]);
    expect((await server.admin.getDataset(datasetId)).latest_snapshot_id).toBeNull();
    expect(await snapshotDirsOnDisk(storage, datasetId), `attempt ${attempt} is still on disk`).toEqual([]);

    // The interrupted engine is still fit for work: the same operator runs the next view to completion.
    const next = await runView(quickViewNql('after_cancel'));
    const after = await finished(next.jobId);
    expect(after.state, JSON.stringify(after.failures)).toBe('completed');
    expect(after.executor).toBe(op.executorId);
  }, 180_000);

  it('the orphan sweep deletes a crashed attempt\'s directory but spares a live attempt idle longer than the orphan age', async () => {
    // The sweep at its shortest: every 250 ms, for directories untouched for 1 s. The view's query runs for seconds,
    // during which its attempt directory holds only the empty part-0.parquet that COPY opened: idle past that age.
    const ageMs = 1_000;
    const op = await spawnPlaneOperator(server, { env: { JOBPLANE_SWEEP_MS: '250', JOBPLANE_ORPHAN_AGE_MS: String(ageMs) } });
    const { jobId, datasetId } = await runView(slowViewNql('sweep_spares_live'));
    await startedOn(op, jobId);
    const attempt = await waitForAttemptDir(storage, datasetId, { withPart: true });
    const copyStartedAt = Date.now();
    const orphan = await plantOrphan(storage, datasetId, 4_242, HOUR);

    // The sweep runs: the planted orphan goes ...
    await waitFor(async () => !(await snapshotDirsOnDisk(storage, datasetId)).includes(orphan),
      { timeoutMs: 30_000, intervalMs: 100, message: 'the sweep to delete the planted orphan' });
    // ... and the live attempt, idle all along, must survive it and commit its files.
    const done = await finished(jobId);
    expect(done.state, `failures: ${JSON.stringify(done.failures)}`).toBe('completed');
    const written = op.proc.find((l) => l['job_id'] === jobId && l.msg === 'snapshot written')!;
    const idleMs = (written.time as number) - copyStartedAt;
    console.info(`[${backend}] the live attempt's directory was idle for ${idleMs} ms (orphan age ${ageMs} ms, sweeps every 250 ms)`);
    expect(idleMs, 'the query must outlast the orphan age by a few sweeps, or this test shows nothing').toBeGreaterThan(ageMs + 750);
    expect(done.attempt).toBe(1);
    const snapshotId = done.result!['snapshot_id'] as number;
    expect(String(snapshotId)).toBe(attempt);
    const snapshot = await server.admin.getSnapshot(datasetId, snapshotId);
    expect(snapshot.row_count).toBeGreaterThan(0);
    expect(await missingFiles(storage, snapshot.files)).toEqual([]);
    expect(await snapshotDirsOnDisk(storage, datasetId)).toEqual([attempt]);
  }, 180_000);

  it('SIGKILL mid-write: the lease expires, another operator re-runs the view, one snapshot is committed, ' +
    'the sweep deletes the dead attempt', async () => {
    const a = await spawnPlaneOperator(server, { env: FAST_SWEEP });
    const { jobId, datasetId } = await runView(slowViewNql('sigkill_mid_write'));
    await startedOn(a, jobId);
    const deadAttempt = await waitForAttemptDir(storage, datasetId, { withPart: true });
    const running = await server.admin.getJob(jobId);
    expect(running).toMatchObject({ state: 'running', executor: a.executorId, attempt: 1 });
    await a.proc.kill(); // SIGKILL while DuckDB is writing: part-0.parquet is open
    expect(await filesIn(storage, datasetId, deadAttempt)).toContain('part-0.parquet');

    const b = await spawnPlaneOperator(server, { env: FAST_SWEEP });
    const done = await finished(jobId, 150_000);
    expect(done.state, `failures: ${JSON.stringify(done.failures)}`).toBe('completed');
    expect(done.executor).toBe(b.executorId);
    expect(done.attempt).toBe(2);
    expect(done.failures).toHaveLength(1);
    expect(done.failures[0]).toMatchObject({ message: 'lease expired', value: { executor: a.executorId, attempt: 1 } });
    const completes = (await actions(jobId)).filter((e) => e.action === 'complete');
    expect(completes.map((e) => [e.executor, e.attempt])).toEqual([[b.executorId, 2]]);

    // Exactly one snapshot: B's, whose files all exist, in B's own directory.
    const snapshotId = done.result!['snapshot_id'] as number;
    const snapshots = (await server.admin.listSnapshots(datasetId)).records;
    expect(snapshots.map((s) => s.snapshot_id)).toEqual([snapshotId]);
    expect(snapshots[0]).toMatchObject({ job_id: jobId, parent_snapshot_id: null, inputs: [{ dataset_id: SAMPLE_DATASET_ID }] });
    expect(snapshots[0]!.row_count).toBeGreaterThan(0);
    expect(await missingFiles(storage, snapshots[0]!.files)).toEqual([]);
    expect(snapshots[0]!.files.every((f) => f.path.startsWith(`datasets/${datasetId}/snapshots/${snapshotId}/`))).toBe(true);
    expect(String(snapshotId)).not.toBe(deadAttempt);
    expect(await server.admin.getDataset(datasetId)).toMatchObject({ status: 'active', latest_snapshot_id: snapshotId });

    // A's partial directory goes with B's orphan sweep (A never comes back to delete it).
    await waitFor(async () => !(await snapshotDirsOnDisk(storage, datasetId)).includes(deadAttempt),
      { timeoutMs: 30_000, intervalMs: 200, message: `the orphan sweep to delete the dead attempt ${deadAttempt}` });
    expect(await snapshotDirsOnDisk(storage, datasetId)).toEqual([String(snapshotId)]);
  }, 240_000);

  it('fenced out: a frozen operator\'s attempt is refused on SIGCONT (409), its files never become a snapshot ' +
    'and are deleted at once', async () => {
    // No sweep here (NO_SWEEP by default): whatever A's attempt wrote must be deleted by A itself.
    const a = await spawnPlaneOperator(server);
    const { jobId, datasetId } = await runView(slowViewNql('fenced_out'));
    await startedOn(a, jobId);
    const zombieAttempt = await waitForAttemptDir(storage, datasetId, { withPart: true });
    a.proc.signal('SIGSTOP');
    let b!: SpawnedOperator;
    let done!: Job;
    try {
      expect((await server.admin.getJob(jobId)).state).toBe('running');
      b = await spawnPlaneOperator(server);
      done = await finished(jobId, 150_000);
      // Still frozen: its attempt directory is there, uncommitted.
      expect(await snapshotDirsOnDisk(storage, datasetId)).toContain(zombieAttempt);
    } finally {
      a.proc.signal('SIGCONT');
    }
    expect(done.state, `failures: ${JSON.stringify(done.failures)}`).toBe('completed');
    expect(done).toMatchObject({ executor: b.executorId, attempt: 2 });
    const snapshotId = done.result!['snapshot_id'] as number;

    // Woken up, A presents its old lease (heartbeat, or completion if its query got there first): refused.
    const refused = await a.proc.waitForLog((l) => l['job_id'] === jobId && /refused/.test(String(l.msg)), 30_000);
    expect(refused).toMatchObject({ status: 409, code: 'stale_lease' });
    const aFinished = await a.proc.waitForLog((l) => l['job_id'] === jobId && l.msg === 'job finished', 30_000);
    expect(aFinished['outcome']).toBe('lease_lost');
    // Deleted by A when its lease was refused (the query is interrupted, or the refused completion discarded).
    await waitFor(async () => !(await snapshotDirsOnDisk(storage, datasetId)).includes(zombieAttempt),
      { timeoutMs: 30_000, intervalMs: 100, message: `the fenced-out attempt ${zombieAttempt} to be deleted` });

    const final = await server.admin.getJob(jobId);
    expect(final).toMatchObject({ state: 'completed', executor: b.executorId, attempt: 2 });
    expect(final.result!['snapshot_id']).toBe(snapshotId);
    expect(final.failures.map((f) => f.message)).toEqual(['lease expired']);
    expect((await actions(jobId)).filter((e) => e.action === 'complete').map((e) => e.executor)).toEqual([b.executorId]);
    const snapshots = (await server.admin.listSnapshots(datasetId)).records;
    expect(snapshots.map((s) => s.snapshot_id)).toEqual([snapshotId]);
    expect(await missingFiles(storage, snapshots[0]!.files)).toEqual([]);
    expect(await snapshotDirsOnDisk(storage, datasetId)).toEqual([String(snapshotId)]);
    expect(await server.admin.getDataset(datasetId)).toMatchObject({ status: 'active', latest_snapshot_id: snapshotId });
  }, 240_000);

  it('deterministic SQL errors fail the job after one attempt, with the engine\'s diagnostics in failures[].value', async () => {
    const op = await spawnPlaneOperator(server, { slots: 2 });
    const dataset = await server.admin.createDataset({
      name: 'sql_errors', schema: { type: 'object', properties: { x: { type: 'long' } } },
    });
    // A job names the datasets its SQL reads (inputs): the plane binds those and nothing else.
    const create = (compiled_sql: string) => server.admin.createJob({
      type: 'materialize-view', max_attempts: 3, inputs: [{ dataset_id: SAMPLE_DATASET_ID, snapshot_id: null }],
      input: { nql: 'CREATE MATERIALIZED VIEW "sql_errors" AS SELECT ...', dataset_id: dataset.id, stats_enabled: false, compiled_sql },
    });
    // Refused by the binder before anything is written; refused while COPY runs, after part-0.parquet was opened.
    const binder = await create(`SELECT "no_such_column" AS "x" FROM "ds_${SAMPLE_DATASET_ID}"`);
    const conversion = await create(`SELECT CAST("country_code" AS INTEGER) AS "x" FROM "ds_${SAMPLE_DATASET_ID}"`);

    const cases = [
      { job: binder, kind: 'binder', duckdbType: 'Binder', text: 'no_such_column' },
      { job: conversion, kind: 'conversion', duckdbType: 'Conversion', text: 'INT' },
    ];
    for (const c of cases) {
      const done = await finished(c.job.job_id, 60_000);
      expect(done.state, JSON.stringify(done.failures)).toBe('failed');
      expect(done.retry_at).toBeNull();
      expect(done.attempt).toBe(1);
      expect(done.executor).toBe(op.executorId);
      expect(done.failures).toHaveLength(1);
      const failure = done.failures[0]!;
      expect(failure.message).toContain(`${c.duckdbType} Error`);
      expect(failure.message).toContain(c.text);
      expect(failure.value).toMatchObject({ engine: 'duckdb', kind: c.kind, retryable: false, duckdb_error_type: c.duckdbType });
      expect(String(failure.value['message'])).toContain(c.text);
      expect((await actions(c.job.job_id)).map((e) => e.action)).toEqual(['create', 'claim', 'fail']);
    }
    expect((await server.admin.listSnapshots(dataset.id)).records).toEqual([]);
    expect(await snapshotDirsOnDisk(storage, dataset.id)).toEqual([]);
  }, 180_000);
});
