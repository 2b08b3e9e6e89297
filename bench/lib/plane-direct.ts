// The baselines of bench/plane.ts, each in a process of its own (so that its peak RSS and CPU time are its own),
// over the same Parquet files as the system's job, with the settings of the operator's engine
// (src/plane/engine/duckdb-engine.ts and src/plane/handlers/plane-engine.ts):
//
// - mode 'copy' (the baseline of the ratio): the job's compiled SQL run directly by DuckDB as
//   `COPY (<sql>) TO '<file>' (FORMAT parquet, COMPRESSION zstd)`. No jobplane code on this path.
// - mode 'engine' (to split the overhead): the operator's own data path without the control plane: DuckEngine.open,
//   a session, bindDatasets, writeSnapshot (describe, the cast to the view's schema, FILE_SIZE_BYTES rotation,
//   Parquet footer reads) and, when the job has extended stats on, computeColumnStats over the written files, exactly
//   as the materialize-view handler calls them, minus the catalog calls over HTTP.
//
// Run as `node --import tsx bench/lib/plane-direct.ts '<DirectRequest as JSON>'`; prints one DirectResult JSON line.
import { statSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckEngine } from '../../src/plane/engine/duckdb-engine.js';
import { computeColumnStats } from '../../src/plane/engine/column-stats.js';
import { sqlString, sqlStringList, withoutTrailingSemicolons } from '../../src/plane/engine/sql-text.js';
import { bindDatasets } from '../../src/plane/storage/bind-datasets.js';
import type { DatasetSchema } from '../../src/core/dataset-schema.js';
import { writeSnapshot } from '../../src/plane/storage/write-snapshot.js';
import { threadSplit, threadTicks, type ThreadSplit } from './plane-procs.js';

export interface DirectRequest {
  mode: 'copy' | 'engine';
  /** Absolute paths of the input snapshot's Parquet files, bound as the view `ds_<datasetId>`. */
  files: string[];
  datasetId: number;
  /** The job's compiled_sql. */
  sql: string;
  /** mode 'copy': the output file; mode 'engine': the snapshot directory to write. */
  out: string;
  memoryLimit: string;
  threads: number;
  tempDirectory: string;
  /** The operator's engine sets `disabled_optimizers` (plane-engine.ts); '' leaves DuckDB's default. */
  disabledOptimizers: string;
  /** mode 'engine': the directories DuckDB may touch (the engine refuses anything else). */
  allowedDirectories?: string[];
  /** mode 'engine': the input dataset's schema and the view's (the target of the cast). */
  inputSchema?: DatasetSchema;
  targetSchema?: DatasetSchema;
  /** mode 'engine': compute the column statistics after writing, as the handler does when the job's stats_enabled. */
  stats?: boolean;
}

export interface DirectResult {
  /** Opening DuckDB, settings, and (mode 'copy') the view, ms. */
  setupMs: number;
  /** The timed part, ms: mode 'copy' the COPY statement alone; mode 'engine' bindDatasets + writeSnapshot (+ stats). */
  copyMs: number;
  /** mode 'engine': of copyMs, computeColumnStats (0 without stats). */
  statsMs: number;
  /** User + system CPU of the whole process (all DuckDB threads) up to the end of the timed part, ms. */
  cpuMs: number;
  /** CPU of the timed part alone, ms. */
  copyCpuMs: number;
  /** The timed part's CPU split between the main (JavaScript) thread and the others (DuckDB, libuv). */
  threads: ThreadSplit;
  maxRssMiB: number;
  rows: number;
  bytes: number;
  files: number;
}

const cpuMs = (from: NodeJS.CpuUsage, to: NodeJS.CpuUsage) => (to.user - from.user + to.system - from.system) / 1000;

async function viaCopy(request: DirectRequest): Promise<DirectResult> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    memory_limit: request.memoryLimit,
    threads: String(request.threads),
    temp_directory: request.tempDirectory,
    preserve_insertion_order: 'false',
  });
  const connection = await instance.connect();
  await connection.run(`SET GLOBAL TimeZone = 'UTC'`);
  if (request.disabledOptimizers) await connection.run(`SET GLOBAL disabled_optimizers = ${sqlString(request.disabledOptimizers)}`);
  await connection.run(`CREATE VIEW ds_${request.datasetId} AS SELECT * FROM read_parquet(${sqlStringList(request.files)})`);
  const t1 = performance.now();
  const cpu1 = process.cpuUsage();
  const ticks1 = threadTicks('self');
  const reader = await connection.runAndReadAll(
    `COPY (${withoutTrailingSemicolons(request.sql)}) TO ${sqlString(request.out)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  const t2 = performance.now();
  const cpu2 = process.cpuUsage();
  const threads = threadSplit(process.pid, ticks1, threadTicks('self'));
  const rows = Number(reader.getRows()[0]?.[0] ?? NaN);
  connection.closeSync();
  instance.closeSync();
  return {
    setupMs: t1 - t0, copyMs: t2 - t1, statsMs: 0, cpuMs: cpuMs(cpu0, cpu2), copyCpuMs: cpuMs(cpu1, cpu2), threads,
    maxRssMiB: process.resourceUsage().maxRSS / 1024, rows, bytes: statSync(request.out).size, files: 1,
  };
}

async function viaEngine(request: DirectRequest): Promise<DirectResult> {
  if (!request.inputSchema || !request.targetSchema || !request.allowedDirectories) throw new Error('mode engine needs the schemas and allowedDirectories');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const engine = await DuckEngine.open({
    allowedDirectories: request.allowedDirectories, memoryLimit: request.memoryLimit, threads: request.threads,
    tempDirectory: request.tempDirectory,
  });
  if (request.disabledOptimizers) await engine.run(`SET GLOBAL disabled_optimizers = ${sqlString(request.disabledOptimizers)}`);
  const session = await engine.session();
  const t1 = performance.now();
  const cpu1 = process.cpuUsage();
  const ticks1 = threadTicks('self');
  await bindDatasets(session, [{ datasetId: request.datasetId, schema: request.inputSchema, files: request.files }]);
  const written = await writeSnapshot(session, { sql: request.sql, outDir: request.out, schema: request.targetSchema });
  const tw = performance.now();
  if (request.stats) await computeColumnStats(session, { files: written.files.map((f) => f.path), schema: request.targetSchema });
  const t2 = performance.now();
  const cpu2 = process.cpuUsage();
  const threads = threadSplit(process.pid, ticks1, threadTicks('self'));
  await session.close();
  await engine.close();
  return {
    setupMs: t1 - t0, copyMs: t2 - t1, statsMs: t2 - tw, cpuMs: cpuMs(cpu0, cpu2), copyCpuMs: cpuMs(cpu1, cpu2), threads,
    maxRssMiB: process.resourceUsage().maxRSS / 1024, rows: written.rowCount, bytes: written.bytes, files: written.files.length,
  };
}

const arg = process.argv[2];
if (arg) {
  const request = JSON.parse(arg) as DirectRequest;
  const result = request.mode === 'engine' ? await viaEngine(request) : await viaCopy(request);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
