import { readdir, stat, utimes, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Job, JobplaneClient } from '../../src/client/index.js';
import type { BackendName } from './backends.js';
import { SpawnedServer, type OperatorSpawnOptions, type SpawnedOperator } from './plane-cluster.js';
import { waitFor } from './wait-for.js';
import { snapshotDir, snapshotsDir } from '../../src/plane/storage/snapshot-layout.js';

/**
 * Support for end-to-end tests of the data plane: a spawned server with the sample dataset 6402, operator processes
 * with the built-in handlers on the server's storage, and a look at the snapshot directories on disk.
 */

export const SAMPLE_DATASET_ID = 6402;
export const PLANE_JOB_TYPES = ['materialize-view', 'nql-forecast'];

/** An orphan sweep fast enough for a test: every 500 ms, of uncommitted directories untouched for 2 s. */
export const FAST_SWEEP = { JOBPLANE_SWEEP_MS: '500', JOBPLANE_ORPHAN_AGE_MS: '2000' };

/** Defaults spelled out: no sweep during a test (10 minutes), so that whatever is deleted was deleted by its attempt. */
export const NO_SWEEP = { JOBPLANE_SWEEP_MS: '600000', JOBPLANE_ORPHAN_AGE_MS: '900000' };

/**
 * A `jobplane serve --no-operator` whose sample dataset 6402 has `rows` rows (/readyz answers once it is written;
 * the snapshot is checked all the same).
 */
export async function startPlaneServer(backend: BackendName, rows: number, extraEnv: Record<string, string> = {}): Promise<SpawnedServer> {
  const server = await SpawnedServer.start(backend, {
    JOBPLANE_SAMPLE_DATA: 'true', JOBPLANE_SAMPLE_ROWS: String(rows), ...extraEnv,
  });
  try {
    await waitFor(async () => (await server.admin.getDataset(SAMPLE_DATASET_ID)).latest_snapshot_id !== null, {
      timeoutMs: 180_000, intervalMs: 250, message: `sample dataset ${SAMPLE_DATASET_ID} (${rows} rows)`,
    });
  } catch (err) {
    await server.close();
    throw err;
  }
  return server;
}

/** An operator process with the built-in handlers on the server's storage (one slot unless told otherwise). */
export function spawnPlaneOperator(server: SpawnedServer, opts: OperatorSpawnOptions = {}): Promise<SpawnedOperator> {
  return server.spawnOperator({
    slots: 1, types: PLANE_JOB_TYPES, ...opts, env: { ...NO_SWEEP, ...opts.env }, builtins: true, storageRoot: server.storageDir,
  });
}


/** Names of a dataset's snapshot directories on disk, committed or not (none when the directory is missing). */
export async function snapshotDirsOnDisk(storage: string, datasetId: number): Promise<string[]> {
  try {
    const entries = await readdir(snapshotsDir(storage, datasetId), { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The files in one snapshot directory (none when it is gone). */
export async function filesIn(storage: string, datasetId: number, dirName: string): Promise<string[]> {
  try {
    return (await readdir(path.join(snapshotsDir(storage, datasetId), dirName))).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Waits for an attempt's directory: one that is not in `known`. With `withPart`, also for its first Parquet file,
 * which DuckDB's COPY creates when it starts (empty, and it stays empty while a blocking operator runs): the
 * query is then running inside the engine, not merely claimed.
 */
export async function waitForAttemptDir(
  storage: string, datasetId: number, opts: { known?: readonly string[]; withPart?: boolean; timeoutMs?: number } = {},
): Promise<string> {
  const known = new Set(opts.known ?? []);
  return waitFor(async () => {
    const fresh = (await snapshotDirsOnDisk(storage, datasetId)).filter((d) => !known.has(d));
    if (fresh.length !== 1) return undefined;
    if (opts.withPart && !(await filesIn(storage, datasetId, fresh[0]!)).includes('part-0.parquet')) return undefined;
    return fresh[0];
  }, {
    timeoutMs: opts.timeoutMs ?? 60_000, intervalMs: 25,
    message: `an attempt directory of dataset ${datasetId}${opts.withPart ? ' with its part-0.parquet' : ''}`,
  });
}

/** The manifest files (paths relative to the storage root) that are missing on disk. */
export async function missingFiles(storage: string, files: ReadonlyArray<{ path: string }>): Promise<string[]> {
  const missing: string[] = [];
  for (const f of files) {
    const found = await stat(path.join(storage, ...f.path.split('/'))).then((s) => s.isFile(), () => false);
    if (!found) missing.push(f.path);
  }
  return missing;
}

/** A fake uncommitted attempt (one file), last touched `ageMs` ago: what a crashed operator leaves behind. */
export async function plantOrphan(storage: string, datasetId: number, snapshotId: number, ageMs: number): Promise<string> {
  const dir = snapshotDir(storage, datasetId, snapshotId);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'part-0.parquet');
  await writeFile(file, 'left behind by a crashed attempt');
  const then = new Date(Date.now() - ageMs);
  await utimes(file, then, then);
  await utimes(dir, then, then);
  return String(snapshotId);
}

/**
 * Ends whatever a failed test left running or queued, so that the next test's operators do not pick it up:
 * cancellation requested and finalized for every job not yet terminal.
 */
export async function cancelUnfinishedJobs(admin: JobplaneClient): Promise<void> {
  const open = (j: Job) =>
    ['pending', 'running', 'pending_cancellation'].includes(j.state) || (j.state === 'failed' && j.retry_at !== null);
  for (let page = 1; ; page++) {
    const list = await admin.listJobs({ page, per_page: 100 });
    for (const job of list.records.filter(open)) {
      await admin.requestCancellation(job.job_id).catch(() => undefined);
      await admin.cancelJob(job.job_id).catch(() => undefined);
    }
    if (page >= list.total_pages) break;
  }
}

/**
 * A view whose query runs for seconds: each row of the sample joined with every row of the same hour (200k rows:
 * 1.7e9 pairs, 5-15 s on a busy 2-core machine), aggregated, so that the output (a few thousand rows) is written
 * at the end. Cancellable: DuckDB checks for interrupts throughout the join.
 */
export const slowViewNql = (name: string) => `CREATE MATERIALIZED VIEW "${name}" AS
SELECT a."hashed_email" AS email, SUM(b."horizontal_accuracy") AS accuracy, COUNT(1) AS pairs
FROM company_data."6402" a JOIN company_data."6402" b ON a."timestamp_object"."hour" = b."timestamp_object"."hour"
GROUP BY a."hashed_email"`;

/** The same joined on the day instead of the hour: four to five times the pairs, most of a minute; for cancellation. */
export const verySlowViewNql = (name: string) => `CREATE MATERIALIZED VIEW "${name}" AS
SELECT a."hashed_email" AS email, SUM(b."horizontal_accuracy") AS accuracy, COUNT(1) AS pairs
FROM company_data."6402" a JOIN company_data."6402" b ON a."timestamp_object"."day" = b."timestamp_object"."day"
GROUP BY a."hashed_email"`;

/** A view that takes well under a second. */
export const quickViewNql = (name: string, options = '') => `CREATE MATERIALIZED VIEW "${name}" ${options} AS
SELECT "country_code" AS country, COUNT(1) AS pings, SUM("horizontal_accuracy") AS accuracy
FROM company_data."6402" GROUP BY "country_code"`;
