// Whole-system data-plane benchmark (`npm run bench:plane`): a materialize-view over the sample dataset 6402
// (JOBPLANE_SAMPLE_ROWS rows, 10M by default) through a real `jobplane serve --no-operator` and a separate
// `jobplane operator` process, against the same compiled SQL run directly by DuckDB as `COPY ... TO parquet` in the
// same run; the operator's peak RSS (VmHWM of its own process) against the 1 GiB bound; forecast (EXPLAIN) latency.
// Writes bench/results/plane.md and appends one JSON line to bench/results/plane-runs.jsonl;
// `npx tsx bench/plane.ts --render [at]` renders plane.md again from a recorded run (default: the last).
//
// Env:
//   BENCH_ROWS (10000000)          rows of the sample dataset (JOBPLANE_SAMPLE_ROWS of serve)
//   BENCH_REPEAT (5)               system, direct and engine-path runs per workload, rotating which goes first
//   BENCH_FORECAST_REPEAT (5)      EXPLAIN jobs per forecast query
//   BENCH_WORKLOADS (seed,wide,wide-nostats)  which materialize-view workloads (also: seed-nostats)
//   BENCH_DUCKDB_MEMORY (the default) DuckDB memory_limit of the operator (JOBPLANE_DUCKDB_MEMORY) and of the direct run
//   BENCH_POLL_MS (75)             GET /jobs/{id} interval while a materialize-view runs (forecasts: 25)
//   BENCH_DATABASE_URL             PostgreSQL: a fresh database is created on that server and dropped at the end;
//                                  unset = the embedded PGlite database in the temp data dir
//   BENCH_DIRECT_DEFAULT_OPT (1)   one extra direct run per workload with DuckDB's default optimizers (informational)
//   BENCH_ENGINE_SIDE (1)          0 = skip the engine-path runs (writeSnapshot in a bare process, to split the overhead)
//   BENCH_BUILD (1)                0 = do not run `npm run build` when dist/ is older than src/
//
// Processes: the server and the operator run the compiled CLI (bin/jobplane.js -> dist/); each direct or engine-path
// run is its own child process (bench/lib/plane-direct.ts), so that its peak RSS and CPU time are its own.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { JobplaneClient, isApiUnavailable, isNotFound } from '../src/client/index.js';
import type { Job } from '../src/client/types.js';
import type { DatasetSchema } from '../src/core/dataset-schema.js';
import { ALL_PERMISSIONS } from '../src/core/permissions.js';
import { toAbsolute } from '../src/plane/handlers/data-plane.js';
import { DEFAULT_MEMORY_LIMIT } from '../src/plane/engine/duckdb-engine.js';
import { SEED_NQL, seedNqlFor } from '../test/fixtures/seed.js';
import type { DirectRequest, DirectResult } from './lib/plane-direct.js';
import {
  createScratchDatabase, ensureBuilt, parseLog, readMemory, resetPeak, RssSampler, spawnCli, threadSplit, threadTicks, waitFor,
  type CliProcess,
} from './lib/plane-procs.js';
import { renderPlaneReport, type DirectRun, type ForecastRun, type PlaneRunRecord, type SystemRun } from './lib/plane-report.js';
import { cleanupOnExit } from './lib/cleanup.js';
import { envInt } from './lib/env.js';
import { cpuModel, freePort, loadAverage, processCpuMs } from './lib/sys.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cfg = {
  rows: envInt('BENCH_ROWS', 10_000_000),
  repeat: envInt('BENCH_REPEAT', 5),
  forecastRepeat: envInt('BENCH_FORECAST_REPEAT', 5),
  pollMs: envInt('BENCH_POLL_MS', 75),
  forecastPollMs: envInt('BENCH_FORECAST_POLL_MS', 25),
  memoryLimit: process.env['BENCH_DUCKDB_MEMORY'] ?? DEFAULT_MEMORY_LIMIT,
  workloads: (process.env['BENCH_WORKLOADS'] ?? 'seed,wide,wide-nostats').split(',').map((s) => s.trim()).filter(Boolean),
  databaseUrl: process.env['BENCH_DATABASE_URL'] || undefined,
  directDefaultOptimizers: process.env['BENCH_DIRECT_DEFAULT_OPT'] !== '0',
  engineSide: process.env['BENCH_ENGINE_SIDE'] !== '0',
  rssSampleMs: Number(process.env['BENCH_RSS_SAMPLE_MS'] ?? 100),
  resetPeak: process.env['BENCH_RESET_PEAK'] !== '0',
  build: process.env['BENCH_BUILD'] !== '0',
  /** Generating 10M sample rows takes about a minute on an idle 2-CPU machine; a loaded one is slower. */
  setupTimeoutMs: envInt('BENCH_SETUP_TIMEOUT_MS', 30 * 60_000),
  jobTimeoutMs: envInt('BENCH_JOB_TIMEOUT_MS', 30 * 60_000),
};
/** The operator's engine disables this optimizer (src/plane/handlers/plane-engine.ts); the direct run does too. */
const OPERATOR_DISABLED_OPTIMIZERS = 'common_subexpressions';
const SAMPLE_DATASET = 6402;
const OPERATOR_NAME = 'bench-plane-operator';

interface Workload {
  key: string;
  label: string;
  nql: (run: number) => string;
}

/**
 * The seed's query verbatim, and a materialization that writes (nearly) every row: the case the RSS bound is about.
 * NQL's default is EXTENDED_STATS = 'all' (as Narrative's): the job then also computes column statistics of what it
 * wrote, work the plain COPY does not do. The -nostats variants say EXTENDED_STATS = 'none': the like-for-like case.
 */
const WIDE_SELECT = `SELECT mobile_id_unique_identifier, timestamp_object, geographic_location, event_timestamp, hashed_email, ` +
  `country_code, horizontal_accuracy FROM company_data."${SAMPLE_DATASET}" WHERE "mobile_id_unique_identifier"."value" IS NOT NULL`;
const WORKLOADS: Workload[] = [
  { key: 'seed', label: 'seed query (LAG window + GROUP BY), extended stats (default)', nql: (i) => seedNqlFor(SAMPLE_DATASET, `bench_seed_${i}`) },
  {
    key: 'seed-nostats', label: "seed query, EXTENDED_STATS = 'none'",
    nql: (i) => seedNqlFor(SAMPLE_DATASET, `bench_seed_nostats_${i}`).replace(/" as WITH/iu, `" EXTENDED_STATS = 'none' AS WITH`),
  },
  {
    key: 'wide', label: 'all columns of ~99% of the rows (filter + project), extended stats (default)',
    nql: (i) => `CREATE MATERIALIZED VIEW "bench_wide_${i}" AS ${WIDE_SELECT}`,
  },
  {
    key: 'wide-nostats', label: "all columns of ~99% of the rows, EXTENDED_STATS = 'none'",
    nql: (i) => `CREATE MATERIALIZED VIEW "bench_wide_nostats_${i}" EXTENDED_STATS = 'none' AS ${WIDE_SELECT}`,
  },
];

const SEED_SELECT = SEED_NQL.replace(/^\s*CREATE MATERIALIZED VIEW "sampleNQL" as\s+/iu, '');
if (SEED_SELECT === SEED_NQL) throw new Error('the seed NQL no longer starts with CREATE MATERIALIZED VIEW "sampleNQL" as');
const FORECASTS: Array<{ key: string; label: string; nql: string }> = [
  { key: 'seed', label: 'EXPLAIN seed SELECT (window + GROUP BY)', nql: `EXPLAIN ${SEED_SELECT}` },
  {
    key: 'filter', label: "EXPLAIN simple filter (country_code = 'US')",
    nql: `EXPLAIN SELECT "mobile_id_unique_identifier"."value", event_timestamp FROM company_data."${SAMPLE_DATASET}" WHERE country_code = 'US'`,
  },
];

const log = (msg: string) => process.stderr.write(`[bench:plane ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ts = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);

// ---- cleanup, on success, failure or signal --------------------------------------------------------------------
// The direct or engine-path child is killed first: the other steps remove the files it works on.
const cleanup = cleanupOnExit(log, { first: () => directChild?.kill('SIGKILL') });

// ---- the direct baseline, in a child process -------------------------------------------------------------------

/** The direct or engine-path child running now, if any: a signal's cleanup ends it too. */
let directChild: ChildProcess | undefined;

function runDirect(request: DirectRequest): Promise<DirectResult & { processMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'lib', 'plane-direct.ts'), JSON.stringify(request)], {
      cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
    });
    directChild = child;
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => {
      directChild = undefined;
      if (code !== 0) return reject(new Error(`direct run failed (exit ${code}):\n${err.slice(-3000)}`));
      try {
        const line = out.trim().split('\n').at(-1) ?? '';
        resolve({ ...(JSON.parse(line) as DirectResult), processMs: performance.now() - t0 });
      } catch (e) {
        reject(new Error(`direct run printed no result: ${(e as Error).message}\n${out}\n${err}`));
      }
    });
  });
}

// ---- main -------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = new Date().toISOString();
  const loadAtStart = loadAverage();
  const t0 = performance.now();
  const build = cfg.build ? ensureBuilt(root, log) : 'not checked (BENCH_BUILD=0)';
  log(`build: ${build}`);
  const workloads = cfg.workloads.map((key) => {
    const w = WORKLOADS.find((x) => x.key === key);
    if (!w) throw new Error(`unknown workload "${key}" in BENCH_WORKLOADS (known: ${WORKLOADS.map((x) => x.key).join(', ')})`);
    return w;
  });

  const work = mkdtempSync(path.join(tmpdir(), 'jobplane-bench-plane-'));
  cleanup.add('temp dir', () => rmSync(work, { recursive: true, force: true }));
  const dataDir = path.join(work, 'data');
  const storageDir = path.join(dataDir, 'storage'); // serve's default (JOBPLANE_STORAGE_DIR unset)
  const directDir = path.join(work, 'direct');
  mkdirSync(directDir, { recursive: true });

  let databaseUrl: string | undefined;
  let databaseLabel = 'embedded PGlite (DATABASE_URL unset)';
  if (cfg.databaseUrl) {
    const scratch = await createScratchDatabase(cfg.databaseUrl);
    cleanup.add('drop database', () => scratch.drop());
    databaseUrl = scratch.url;
    databaseLabel = `PostgreSQL, fresh database ${scratch.name} (BENCH_DATABASE_URL)`;
  }

  // The child processes get a clean slice of the environment: no stray JOBPLANE_* from the caller's shell.
  const baseEnv: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('JOBPLANE_') && k !== 'DATABASE_URL' && k !== 'PORT' && k !== 'HOST'),
  );

  // -- serve: an empty install that generates the sample dataset
  const port = await freePort();
  const serverStart = performance.now();
  const server = spawnCli({
    name: 'serve', root, logFile: path.join(work, 'serve.log'),
    args: ['serve', '--no-operator', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir],
    env: {
      ...baseEnv, LOG_LEVEL: 'info', JOBPLANE_SAMPLE_DATA: 'true', JOBPLANE_SAMPLE_ROWS: String(cfg.rows),
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
  });
  cleanup.add('stop serve', () => server.stop());
  const url = `http://127.0.0.1:${port}`;
  const diag = (p: CliProcess) => () => `--- ${p.name} log (tail) ---\n${p.logTail()}`;
  const adminToken = await waitFor('admin token', () => {
    const file = path.join(dataDir, 'admin-token');
    return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
  }, { timeoutMs: 120_000, alive: server.running, diagnostics: diag(server) });
  const admin = new JobplaneClient({ baseUrl: url, token: adminToken, timeoutMs: 60_000 });
  log(`serve up at ${url} (pid ${server.pid}); generating ${cfg.rows.toLocaleString('en-US')} sample rows`);
  const dataset = await waitFor('sample dataset 6402', async () => {
    try {
      const d = await admin.getDataset(SAMPLE_DATASET);
      return d.latest_snapshot_id === null ? undefined : d;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (isApiUnavailable(err)) return undefined; // not listening yet
      throw err;
    }
  }, { timeoutMs: cfg.setupTimeoutMs, everyMs: 250, alive: server.running, diagnostics: diag(server) });
  const serverReadyMs = performance.now() - serverStart;
  const sampleLine = parseLog(server.logText()).find((l) => l.msg === 'sample dataset created');
  const sampleMs = Number(sampleLine?.['ms'] ?? NaN);
  const snapshots = await admin.listSnapshots(SAMPLE_DATASET, { per_page: 10 });
  const snapshot = snapshots.records.find((s) => s.snapshot_id === dataset.latest_snapshot_id) ?? snapshots.records[0];
  if (!snapshot) throw new Error('dataset 6402 has no snapshot');
  const inputFiles = snapshot.files.map((f) => toAbsolute(storageDir, f.path));
  for (const f of inputFiles) if (!existsSync(f)) throw new Error(`snapshot file ${f} is not under the storage dir ${storageDir}`);
  log(`sample: ${snapshot.row_count.toLocaleString('en-US')} rows, ${snapshot.files.length} file(s), ${mib(snapshot.bytes)} MiB, generated in ${Math.round(sampleMs)} ms`);

  // -- the operator: its own process, its own token, the server's storage dir
  const token = await admin.createToken({
    name: 'bench:plane operator', data_plane_id: dataset.data_plane_id,
    permissions: ALL_PERMISSIONS.filter((p) => p.resource === 'jobs' || p.resource === 'data-planes' || p.resource === 'datasets'),
  });
  const operator = spawnCli({
    name: 'operator', root, logFile: path.join(work, 'operator.log'),
    args: ['operator', '--api', url, '--data-plane', dataset.data_plane_id, '--storage-root', storageDir, '--name', OPERATOR_NAME],
    env: { ...baseEnv, LOG_LEVEL: 'info', JOBPLANE_TOKEN: token.access_token, JOBPLANE_DUCKDB_MEMORY: cfg.memoryLimit },
  });
  cleanup.add('stop operator', () => operator.stop());
  await waitFor('operator registration', () => (parseLog(operator.logText()).some((l) => l.msg === 'operator started') ? true : undefined), {
    timeoutMs: 120_000, alive: operator.running, diagnostics: diag(operator),
  });
  const executors = await admin.listExecutors({ data_plane_id: dataset.data_plane_id });
  const executor = executors.records.find((e) => e.name === OPERATOR_NAME);
  log(`operator up (pid ${operator.pid}, ${executor?.slots ?? '?'} slots, memory_limit ${cfg.memoryLimit})`);

  const sampler = new RssSampler([operator.pid, server.pid], cfg.rssSampleMs);
  cleanup.add('sampler', () => sampler.stop());
  const startupMem = readMemory(operator.pid);
  const peakResettable = cfg.resetPeak && resetPeak(operator.pid);
  const hwmReadings: number[] = [startupMem?.hwmKiB ?? NaN];

  /** Submits one NQL statement and polls its job to the end; the operator's peak RSS over exactly this job. */
  const runJob = async (nql: string, pollMs: number) => {
    if (peakResettable) resetPeak(operator.pid);
    sampler.window(operator.pid);
    const opCpu0 = processCpuMs(operator.pid) ?? NaN;
    const opTicks0 = threadTicks(operator.pid);
    const srvCpu0 = processCpuMs(server.pid) ?? NaN;
    const load1 = Number(loadAverage().split(' ')[0]);
    const tSubmit = Date.now();
    const p0 = performance.now();
    const created = await admin.runNql({ nql });
    const submitMs = performance.now() - p0;
    let job: Job;
    for (;;) {
      job = await admin.getJob(created.id);
      if (job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled') break;
      if (performance.now() - p0 > cfg.jobTimeoutMs) throw new Error(`job ${created.id} still ${job.state} after ${cfg.jobTimeoutMs} ms`);
      await sleep(pollMs);
    }
    const wallMs = performance.now() - p0;
    const tObserved = tSubmit + wallMs;
    const mem = readMemory(operator.pid);
    hwmReadings.push(mem?.hwmKiB ?? NaN);
    const opCpuMs = (processCpuMs(operator.pid) ?? NaN) - opCpu0;
    const opThreads = threadSplit(operator.pid, opTicks0, threadTicks(operator.pid));
    const srvCpuMs = (processCpuMs(server.pid) ?? NaN) - srvCpu0;
    if (job.state !== 'completed') {
      throw new Error(`job ${job.job_id} (${job.type}) ended ${job.state}: ${JSON.stringify(job.failures).slice(0, 2000)}\n${operator.logTail()}`);
    }
    const lines = parseLog(operator.logText()).filter((l) => l['job_id'] === job.job_id);
    const at = (msg: string) => lines.find((l) => l.msg === msg)?.time ?? NaN;
    return {
      job, wallMs, submitMs, tSubmit, tObserved, load1, opCpuMs, opThreads, srvCpuMs,
      opPeakKiB: mem?.hwmKiB ?? NaN, opSampledKiB: sampler.window(operator.pid),
      created: ts(job.created_at), dequeued: ts(job.dequeued_at), ended: ts(job.ended_at),
      started: at('job started'), written: at('snapshot written'), finished: at('job finished'),
    };
  };

  // Warm-up (not reported): the first job of the operator's life (JIT, first claim, first HTTP connections).
  await runJob(FORECASTS[FORECASTS.length - 1]!.nql, cfg.forecastPollMs);
  log('warm-up job done');

  const systemRuns: SystemRun[] = [];
  const directRuns: DirectRun[] = [];
  const compiledSql: Record<string, string> = {};
  const targetSchema: Record<string, DatasetSchema> = {};
  const statsEnabled: Record<string, boolean> = {};
  const threads = availableParallelism(); // what DuckEngine.open uses when threads is not given
  const direct = async (w: Workload, run: number, side: 'direct' | 'engine', disabledOptimizers: string, informational: boolean) => {
    const sql = compiledSql[w.key];
    if (!sql) throw new Error(`no compiled SQL for ${w.key} yet`);
    const name = `${w.key}-${run}-${side}${informational ? '-defaultopt' : ''}`;
    const out = path.join(directDir, side === 'engine' ? name : `${name}.parquet`);
    const tempDirectory = path.join(directDir, `spill-${name}`);
    const load1 = Number(loadAverage().split(' ')[0]);
    const r = await runDirect({
      mode: side === 'engine' ? 'engine' : 'copy',
      files: inputFiles, datasetId: SAMPLE_DATASET, sql, out, memoryLimit: cfg.memoryLimit, threads, tempDirectory, disabledOptimizers,
      allowedDirectories: [storageDir, directDir], inputSchema: dataset.schema as unknown as DatasetSchema, targetSchema: targetSchema[w.key],
      stats: statsEnabled[w.key] ?? false,
    });
    rmSync(out, { recursive: true, force: true });
    rmSync(tempDirectory, { recursive: true, force: true });
    const d: DirectRun = { workload: w.key, run, side, informational, disabledOptimizers, load1, ...r };
    directRuns.push(d);
    log(`${w.key} #${run} ${side}${informational ? ' (DuckDB default optimizers)' : ''}: ` +
      `${side === 'engine' ? `bind + writeSnapshot${statsEnabled[w.key] ? ` + stats (${sec(r.statsMs)})` : ''}` : 'COPY'} ${sec(r.copyMs)} ` +
      `(${sec(r.copyCpuMs)} CPU, ${r.maxRssMiB.toFixed(0)} MiB peak RSS), ${r.rows.toLocaleString('en-US')} rows, ${mib(r.bytes)} MiB`);
  };
  const system = async (w: Workload, run: number) => {
    const j = await runJob(w.nql(run), cfg.pollMs);
    const input = j.job.input as { compiled_sql?: string; dataset_id?: number; stats_enabled?: boolean };
    const result = j.job.result as { dataset_id?: number; snapshot_id?: number } | null;
    if (!input.compiled_sql || !result?.snapshot_id || !result.dataset_id) throw new Error(`job ${j.job.job_id}: no compiled_sql or snapshot in the job`);
    if (compiledSql[w.key] === undefined) {
      compiledSql[w.key] = input.compiled_sql;
      statsEnabled[w.key] = input.stats_enabled === true;
      targetSchema[w.key] = (await admin.getDataset(result.dataset_id)).schema as unknown as DatasetSchema;
    } else if (compiledSql[w.key] !== input.compiled_sql) {
      throw new Error(`${w.key}: the compiled SQL changed between runs`);
    }
    const snap = await admin.getSnapshot(result.dataset_id, result.snapshot_id);
    const s: SystemRun = {
      workload: w.key, run, jobId: j.job.job_id, load1: j.load1,
      wallMs: j.wallMs, submitMs: j.submitMs,
      queueMs: j.dequeued - j.created, createdToEndedMs: j.ended - j.created, serverMs: j.ended - j.dequeued,
      claimToStartMs: j.started - j.dequeued, handlerMs: j.written - j.started, completeMs: j.ended - j.written,
      completeRoundTripMs: j.finished - j.written, observeLagMs: j.tObserved - j.ended, submitToCreatedMs: j.created - j.tSubmit,
      rows: snap.row_count, bytes: snap.bytes, files: snap.files.length,
      opCpuMs: j.opCpuMs, opThreads: j.opThreads, serverCpuMs: j.srvCpuMs, opPeakMiB: j.opPeakKiB / 1024, opSampledMaxMiB: j.opSampledKiB / 1024,
    };
    systemRuns.push(s);
    log(`${w.key} #${run} system: ${sec(s.wallMs)} submit->completed (handler ${sec(s.handlerMs)}, queue ${Math.round(s.queueMs)} ms, ` +
      `commit ${Math.round(s.completeMs)} ms), ${s.rows.toLocaleString('en-US')} rows, ${mib(s.bytes)} MiB, operator peak ${s.opPeakMiB.toFixed(0)} MiB`);
  };

  for (const w of workloads) {
    const sides: Array<(run: number) => Promise<void>> = [
      // The first run is the system's: the other sides need the compiled SQL (and the view's schema) of its job.
      (run) => system(w, run),
      (run) => direct(w, run, 'direct', OPERATOR_DISABLED_OPTIMIZERS, false),
      ...(cfg.engineSide ? [(run: number) => direct(w, run, 'engine', OPERATOR_DISABLED_OPTIMIZERS, false)] : []),
    ];
    for (let run = 1; run <= cfg.repeat; run++) {
      // Rotate which side goes first, so that drift in the machine's load hits all alike.
      const k = (run - 1) % sides.length;
      for (const side of [...sides.slice(k), ...sides.slice(0, k)]) await side(run);
    }
    if (cfg.directDefaultOptimizers) await direct(w, cfg.repeat + 1, 'direct', '', true);
  }

  const forecastRuns: ForecastRun[] = [];
  for (const f of FORECASTS) {
    for (let run = 1; run <= cfg.forecastRepeat; run++) {
      const j = await runJob(f.nql, cfg.forecastPollMs);
      const result = (j.job.result ?? {}) as { rows?: number; method?: string; sampled?: boolean; sample_rate?: number };
      forecastRuns.push({
        query: f.key, run, wallMs: j.wallMs, createdToEndedMs: j.ended - j.created, queueMs: j.dequeued - j.created,
        handlerMs: j.finished - j.started, rows: Number(result.rows ?? NaN), method: String(result.method ?? ''),
        sampleRate: Number(result.sample_rate ?? NaN), opPeakMiB: j.opPeakKiB / 1024,
      });
    }
    const mine = forecastRuns.filter((r) => r.query === f.key).map((r) => r.wallMs).sort((a, b) => a - b);
    log(`forecast ${f.key}: median ${Math.round(mine[Math.floor(mine.length / 2)]!)} ms submit->completed`);
  }

  const finalMem = readMemory(operator.pid);
  hwmReadings.push(finalMem?.hwmKiB ?? NaN);
  const serverMem = readMemory(server.pid);
  const lifetimePeakMiB = Math.max(...hwmReadings.filter(Number.isFinite)) / 1024;
  const loadAtEnd = loadAverage();
  sampler.stop();

  const record: PlaneRunRecord = {
    at: started,
    conditions: {
      cpu: cpuModel(), cores: availableParallelism(), node: process.version, platform: `${process.platform} ${process.arch}`,
      loadAtStart, loadAtEnd, rows: cfg.rows, repeat: cfg.repeat, forecastRepeat: cfg.forecastRepeat, pollMs: cfg.pollMs,
      forecastPollMs: cfg.forecastPollMs, memoryLimit: cfg.memoryLimit, threads, database: databaseLabel, build,
      operatorSlots: executor?.slots ?? NaN, disabledOptimizers: OPERATOR_DISABLED_OPTIMIZERS,
      serverReadyMs, sampleMs, totalMs: performance.now() - t0, peakResettable,
    },
    sample: { rows: snapshot.row_count, bytes: snapshot.bytes, files: snapshot.files.length },
    workloads: workloads.map((w) => ({
      key: w.key, label: w.label, nql: w.nql(0).replace(/"bench_[a-z_]+_0"/u, '"…"'), compiledSql: compiledSql[w.key] ?? '',
      statsEnabled: statsEnabled[w.key] ?? false,
    })),
    forecasts: FORECASTS.map((f) => ({ key: f.key, label: f.label })),
    systemRuns, directRuns, forecastRuns,
    operatorMemory: {
      startupRssMiB: (startupMem?.rssKiB ?? NaN) / 1024, startupPeakMiB: (startupMem?.hwmKiB ?? NaN) / 1024,
      endRssMiB: (finalMem?.rssKiB ?? NaN) / 1024, lifetimePeakMiB, sampledMaxMiB: sampler.overall(operator.pid) / 1024,
      serverPeakMiB: (serverMem?.hwmKiB ?? NaN) / 1024,
    },
  };
  appendFileSync(path.join(resultsDir, 'plane-runs.jsonl'), `${JSON.stringify(record)}\n`);
  writeFileSync(path.join(resultsDir, 'plane.md'), renderPlaneReport(record, readHistory()));
  log(`wrote bench/results/plane.md (${sec(record.conditions.totalMs)} in all)`);
}

function sec(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

const resultsDir = path.join(root, 'bench', 'results');

function readHistory(): PlaneRunRecord[] {
  const file = path.join(resultsDir, 'plane-runs.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as PlaneRunRecord);
}

/** `--render [at]`: writes plane.md again from a recorded run (default the last one), without running anything. */
function render(at: string | undefined): void {
  const history = readHistory();
  const record = at ? history.find((h) => h.at === at) : history.at(-1);
  if (!record) throw new Error(at ? `no recorded run at ${at} in plane-runs.jsonl` : 'plane-runs.jsonl has no runs');
  writeFileSync(path.join(resultsDir, 'plane.md'), renderPlaneReport(record, history));
  log(`rendered bench/results/plane.md from the run at ${record.at}`);
}

try {
  if (process.argv[2] === '--render') render(process.argv[3]);
  else await main();
} catch (err) {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanup.run();
}
