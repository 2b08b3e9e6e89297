// Spark plane benchmark (`npm run bench:spark`): the seed's materialized view over the sample dataset 6402
// (BENCH_ROWS rows, 10M by default) through the whole system on a Spark plane (`jobplane serve --engine spark
// --no-operator` + a `jobplane operator --engine spark` process, Iceberg tables on the local standalone cluster of
// `jobplane spark up`), against the same compiled SQL written directly over Spark Connect in the same run, and the
// same job through the whole system on the DuckDB plane beside it. Writes bench/results/spark.md.
//
// Env:
//   BENCH_ROWS (10000000)     rows of the sample dataset
//   BENCH_REPEAT (3)          system and direct runs (alternating which goes first), and DuckDB-plane runs
//   BENCH_DUCKDB (1)          0 = skip the DuckDB plane
//   JOBPLANE_SPARK_REMOTE     a running cluster to use instead of the local one (started if it is not up, and
//                             then stopped at the end)
//
// Where the time goes: the driver's REST API lists the Spark jobs of the application; those carrying the jobplane
// job's tag are its write, the others in the job's time window its metadata queries and procedures (reconcile,
// snapshot lookup, data files, publish). The rest of the system time is the operator and the control plane.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeReportKeepingNotes } from './lib/results-file.js';
import { totalmem, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobplaneClient } from '../src/client/index.js';
import type { Job } from '../src/client/types.js';
import { appJobs, clusterStatus, localClusterConfig, startLocalCluster, stopLocalCluster } from '../src/plane/spark/cluster/local-cluster.js';
import { SparkConnect } from '../src/plane/spark/spark-connect.js';
import { seedNqlFor } from '../test/fixtures/seed.js';
import { cleanupOnExit } from './lib/cleanup.js';
import { envInt } from './lib/env.js';
import { cpuCount, cpuModel, freePort, loadAverage } from './lib/sys.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cfg = {
  rows: envInt('BENCH_ROWS', 10_000_000),
  repeat: envInt('BENCH_REPEAT', 3),
  duckdb: process.env['BENCH_DUCKDB'] !== '0',
  remote: process.env['JOBPLANE_SPARK_REMOTE'] ?? 'sc://127.0.0.1:15002',
};
const log = (msg: string) => process.stderr.write(`[bench:spark ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const cleanup = cleanupOnExit(log);
const noStats = (nql: string) => nql.replace(/" as WITH/iu, `" EXTENDED_STATS = 'none' AS WITH`);
const ms = (a: string | null | undefined, b: string | null | undefined) => Date.parse(b!) - Date.parse(a!);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
const sec = (x: number) => (x / 1000).toFixed(1);

interface Proc { child: ChildProcess; logFile: string; stop(): Promise<void> }

/** The CLI from the sources (tsx): its start-up cost is outside every measured interval (server timestamps). */
function cli(name: string, dir: string, args: string[], env: Record<string, string | undefined>): Proc {
  const logFile = path.join(dir, `${name}.log`);
  const out = createWriteStream(logFile);
  const merged: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('JOBPLANE_') && k !== 'DATABASE_URL'));
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], { cwd: root, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child, logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    },
  };
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, proc?: Proc): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (proc && proc.child.exitCode !== null) {
      throw new Error(`${what}: the process exited (${proc.child.exitCode}):\n${readFileSync(proc.logFile, 'utf8').split('\n').filter((l) => !l.includes('FSTDEP')).slice(-15).join('\n')}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** serve --no-operator with the sample dataset, plus one operator process on its default plane. */
async function install(engine: 'spark' | 'duckdb', work: string, sparkConf: string) {
  const dir = path.join(work, engine);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const spark = engine === 'spark' ? { JOBPLANE_ENGINE: 'spark', JOBPLANE_SPARK_REMOTE: cfg.remote, JOBPLANE_SPARK_CONF: sparkConf } : {};
  const t0 = Date.now();
  const server = cli(`serve-${engine}`, work, ['serve', '--no-operator', '--port', String(port), '--data-dir', dir], {
    ...spark, LOG_LEVEL: 'info', JOBPLANE_LOG_FORMAT: 'json', JOBPLANE_SAMPLE_DATA: 'true', JOBPLANE_SAMPLE_ROWS: String(cfg.rows),
  });
  cleanup.add(`stop serve (${engine})`, () => server.stop());
  log(`${engine}: serve with ${cfg.rows.toLocaleString('en-US')} sample rows (generating${engine === 'spark' ? ' and loading into Iceberg' : ''})`);
  await until(`serve (${engine}) ready`, 60 * 60_000, async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined), server);
  const setupMs = Date.now() - t0;
  const token = readFileSync(path.join(dir, 'admin-token'), 'utf8').trim();
  const admin = new JobplaneClient({ baseUrl: url, token, timeoutMs: 60_000 });
  const planeId = (await admin.listDataPlanes()).records[0]!.id;
  const opToken = (await admin.createToken({
    name: 'bench operator', data_plane_id: planeId,
    permissions: [{ resource: 'jobs', access: 'write' }, { resource: 'data-planes', access: 'write' }, { resource: 'datasets', access: 'read' }],
  })).access_token;
  const operator = cli(`operator-${engine}`, work, ['operator', '--slots', '1', ...(engine === 'spark' ? ['--engine', 'spark', '--spark-remote', cfg.remote] : ['--storage-root', path.join(dir, 'storage')])], {
    ...spark, JOBPLANE_API: url, JOBPLANE_DATA_PLANE: planeId, JOBPLANE_TOKEN: opToken, LOG_LEVEL: 'info',
  });
  cleanup.add(`stop operator (${engine})`, () => operator.stop());
  await until(`operator (${engine}) registered`, 120_000, async () => ((await admin.listExecutors()).records.length > 0 ? true : undefined), operator);
  log(`${engine}: ready after ${sec(setupMs)} s`);
  const run = async (nql: string): Promise<Job> => {
    const created = await admin.runNql({ nql });
    const job = await until(`job ${created.id}`, 60 * 60_000, async () => {
      const j = await admin.getJob(created.id);
      return ['completed', 'failed', 'cancelled'].includes(j.state) ? j : undefined;
    });
    if (job.state !== 'completed') throw new Error(`${engine} job ${job.job_id} ${job.state}: ${JSON.stringify(job.failures)}`);
    return job;
  };
  return { admin, run, setupMs, operatorLog: operator.logFile, stop: async () => { await operator.stop(); await server.stop(); } };
}

interface SystemRun {
  total: number; claim: number; run: number; writeSpark: number; otherSpark: number; otherSparkJobs: number; rows: number;
  /** The handler's phases (its 'snapshot staged' log line): before the write, the write operation, after it. */
  prepare: number; writeOp: number; manifest: number; stats: number;
}

/** phases_ms of the operator's 'snapshot staged' line for a job (JSON log lines; NaN when absent). */
function handlerPhases(logFile: string, jobId: string): { prepare: number; writeOp: number; manifest: number; stats: number } {
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes(jobId) || !line.includes('snapshot staged')) continue;
    try {
      const l = JSON.parse(line) as { job_id?: string; msg?: string; phases_ms?: Record<string, number> };
      if (l.job_id !== jobId || l.msg !== 'snapshot staged' || !l.phases_ms) continue;
      const p = l.phases_ms;
      return { prepare: p['prepare'] ?? NaN, writeOp: p['write'] ?? NaN, manifest: p['manifest'] ?? NaN, stats: p['stats'] ?? 0 };
    } catch {
      // not a JSON line
    }
  }
  return { prepare: NaN, writeOp: NaN, manifest: NaN, stats: NaN };
}

/** Spark Connect sessions of the bench's own direct runs: their Spark jobs are not the system's, whenever they ran. */
const benchSessions = new Set<string>();

async function sparkBreakdown(job: Job, cluster = localClusterConfig()): Promise<{ writeSpark: number; otherSpark: number; otherSparkJobs: number }> {
  const ours = (j: { jobTags?: string[] }) => (j.jobTags ?? []).some((t) => [...benchSessions].some((id) => t.includes(`_Session_${id}_`)));
  const jobs = (await appJobs(cluster)).filter((j) => !ours(j));
  const from = Date.parse(job.dequeued_at!);
  const to = Date.parse(job.ended_at!);
  const at = (s?: string) => (s ? Date.parse(s.replace('GMT', 'Z')) : NaN);
  const inWindow = jobs.filter((j) => at(j.submissionTime) >= from - 1000 && at(j.completionTime) <= to + 1000);
  const tagged = (j: { jobTags?: string[] }) => (j.jobTags ?? []).some((t) => t.endsWith(`_Tag_jobplane-job-${job.job_id}`));
  const dur = (j: { submissionTime?: string; completionTime?: string }) => at(j.completionTime) - at(j.submissionTime);
  const write = inWindow.filter(tagged);
  // Spark jobs of one operation run one after the other: the write's time is from its first start to its last end.
  const writeSpark = write.length ? Math.max(...write.map((j) => at(j.completionTime))) - Math.min(...write.map((j) => at(j.submissionTime))) : 0;
  const other = inWindow.filter((j) => !tagged(j));
  return { writeSpark, otherSpark: other.reduce((n, j) => n + dur(j), 0), otherSparkJobs: other.length };
}

async function main(): Promise<void> {
  const started = new Date().toISOString();
  const loadStart = loadAverage();
  const work = mkdtempSync(path.join(tmpdir(), 'jobplane-bench-spark-'));
  cleanup.add('temp dir', () => rmSync(work, { recursive: true, force: true }));
  const warehouse = path.join(work, 'warehouse');
  const sparkConf = `spark.sql.catalog.narrative.warehouse=file://${warehouse}`;

  if (!process.env['JOBPLANE_SPARK_REMOTE']) {
    const status = await clusterStatus();
    if (!(status.connect.reachable && status.master.alive_workers >= 2)) {
      log('starting the local Spark cluster');
      // Ours, so ours to stop: a cluster that was up already (someone's tests) is left alone.
      cleanup.add('stop the local Spark cluster', () => stopLocalCluster(undefined, undefined, log));
      await startLocalCluster(undefined, log);
    }
  }

  // ---- the Spark plane, through the whole system, and the same compiled SQL directly --------------------------
  const sp = await install('spark', work, sparkConf);
  const connect = await SparkConnect.open(cfg.remote, { sessionConf: { 'spark.sql.catalog.narrative.warehouse': `file://${warehouse}` } });
  cleanup.add('close Spark Connect', () => connect.close());
  const system: Array<SystemRun & { sql: string }> = [];
  const direct: number[] = [];
  const withStats: SystemRun[] = [];
  const runSystem = async (i: number, stats: boolean): Promise<SystemRun & { sql: string }> => {
    const nql = seedNqlFor(6402, `bench_${stats ? 'stats' : 'seed'}_${i}`);
    const job = await sp.run(stats ? nql : noStats(nql));
    const snap = await sp.admin.getSnapshot((job.result as any).dataset_id, (job.result as any).snapshot_id);
    const b = await sparkBreakdown(job);
    const r = {
      total: ms(job.created_at, job.ended_at), claim: ms(job.created_at, job.dequeued_at), run: ms(job.dequeued_at, job.ended_at),
      ...b, rows: snap.row_count, sql: String((job.input as any).compiled_sql), ...handlerPhases(sp.operatorLog, job.job_id),
    };
    log(`spark system${stats ? ' (stats)' : ''} #${i}: ${sec(r.total)} s (claim ${sec(r.claim)}, write ${sec(r.writeSpark)}, ${r.otherSparkJobs} other Spark jobs ${sec(r.otherSpark)}; `
      + `handler: before the write ${sec(r.prepare)}, write operation ${sec(r.writeOp)}, after it ${sec(r.manifest)}${stats ? `, stats ${sec(r.stats)}` : ''}), ${r.rows} rows`);
    return r;
  };
  const runDirect = async (i: number, sql: string): Promise<number> => {
    const session = await connect.openSession();
    benchSessions.add(session.sessionId);
    try {
      const t0 = performance.now();
      await session.execute({ command: { write_operation_v2: { input: { sql: { query: sql } }, table_name: `narrative.datasets.bench_direct_${i}`, mode: 'MODE_CREATE' } } });
      const t = performance.now() - t0;
      log(`spark direct #${i}: ${sec(t)} s`);
      return t;
    } finally {
      await session.release();
    }
  };
  // Warm-up (JIT, class loading, the first Iceberg commit): not recorded.
  const warm = await runSystem(0, false);
  await runDirect(0, warm.sql);
  for (let i = 1; i <= cfg.repeat; i++) {
    if (i % 2 === 1) {
      system.push(await runSystem(i, false));
      direct.push(await runDirect(i, system.at(-1)!.sql));
    } else {
      direct.push(await runDirect(i, warm.sql));
      system.push(await runSystem(i, false));
    }
    withStats.push(await runSystem(i, true));
  }
  await sp.stop();

  // ---- the DuckDB plane, the same job -----------------------------------------------------------------------------
  const duck: SystemRun[] = [];
  const duckStats: SystemRun[] = [];
  let duckSetupMs = NaN;
  if (cfg.duckdb) {
    const dd = await install('duckdb', work, sparkConf);
    duckSetupMs = dd.setupMs;
    for (let i = 0; i <= cfg.repeat; i++) {
      for (const stats of [false, true]) {
        const nql = seedNqlFor(6402, `bench_duck_${stats ? 'stats' : 'seed'}_${i}`);
        const job = await dd.run(stats ? nql : noStats(nql));
        const snap = await dd.admin.getSnapshot((job.result as any).dataset_id, (job.result as any).snapshot_id);
        const r = { total: ms(job.created_at, job.ended_at), claim: ms(job.created_at, job.dequeued_at), run: ms(job.dequeued_at, job.ended_at), writeSpark: 0, otherSpark: 0, otherSparkJobs: 0, rows: snap.row_count, prepare: NaN, writeOp: NaN, manifest: NaN, stats: NaN };
        log(`duckdb system${stats ? ' (stats)' : ''} #${i}: ${sec(r.total)} s, ${r.rows} rows`);
        if (i > 0) (stats ? duckStats : duck).push(r);
      }
    }
    await dd.stop();
  }

  // ---- report -------------------------------------------------------------------------------------------------------
  const m = (xs: SystemRun[], k: keyof SystemRun) => median(xs.map((x) => x[k]));
  const ratio = m(system, 'total') / median(direct);
  const lines = [
    '# Spark plane benchmark (`npm run bench:spark`)',
    '',
    `Run ${started} - ${new Date().toISOString()}. Machine: ${cpuModel()}, ${cpuCount()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; load average ${loadStart} at start, ${loadAverage()} at the end.`,
    `Spark 4.0.1 standalone (spark/pom.xml): master + 2 workers (1 core, 2 GiB each), Spark Connect server with one 1 GiB executor per worker, Iceberg 1.10.0 hadoop catalog on local disk. ${cfg.rows.toLocaleString('en-US')} sample rows (dataset 6402), ${cfg.repeat} measured runs each after one warm-up; medians.`,
    '',
    '## The seed\'s view (LAG window + GROUP BY), EXTENDED_STATS = \'none\'',
    '',
    '| | median | runs |',
    '|---|---|---|',
    `| Spark plane, whole system (created_at -> ended_at) | ${sec(m(system, 'total'))} s | ${system.map((r) => sec(r.total)).join(', ')} |`,
    `| same compiled SQL, written directly over Spark Connect (DataFrameWriterV2 create) | ${sec(median(direct))} s | ${direct.map(sec).join(', ')} |`,
    `| **ratio system / direct** (target <= 1.10) | **${ratio.toFixed(2)}** | |`,
    ...(cfg.duckdb ? [`| DuckDB plane, whole system | ${sec(m(duck, 'total'))} s | ${duck.map((r) => sec(r.total)).join(', ')} |`,
      `| Spark / DuckDB (whole system) | ${(m(system, 'total') / m(duck, 'total')).toFixed(1)}x | |`] : []),
    '',
    `Rows written: ${system[0]?.rows ?? '?'} (Spark) ${cfg.duckdb ? `/ ${duck[0]?.rows ?? '?'} (DuckDB)` : ''}.`,
    '',
    '## With column statistics (the NQL default)',
    '',
    `| Spark plane | ${sec(m(withStats, 'total'))} s | ${withStats.map((r) => sec(r.total)).join(', ')} |`,
    '|---|---|---|',
    ...(cfg.duckdb ? [`| DuckDB plane | ${sec(m(duckStats, 'total'))} s | ${duckStats.map((r) => sec(r.total)).join(', ')} |`] : []),
    '',
    '## Where the Spark plane\'s time goes (medians of the runs without stats)',
    '',
    '| part | median |',
    '|---|---|',
    `| waiting to be claimed (created_at -> dequeued_at) | ${sec(m(system, 'claim'))} s |`,
    `| the write: Spark jobs of the job's tagged operation (scan, window, aggregate, Iceberg write) | ${sec(m(system, 'writeSpark'))} s |`,
    `| other Spark jobs in the job's window (metadata tables, SHOW/DESCRIBE, procedures), ${m(system, 'otherSparkJobs')} of them | ${sec(m(system, 'otherSpark'))} s |`,
    `| the rest: operator, control plane, Spark Connect round trips without a Spark job | ${sec(m(system, 'run') - m(system, 'writeSpark') - m(system, 'otherSpark'))} s |`,
    '',
    'The same runs by the handler\'s own clock (its \'snapshot staged\' log line), and what lies outside the handler:',
    '',
    '| part | median | runs |',
    '|---|---|---|',
    `| before the write: session, control-plane lookups, target table ensured and reconciled, inputs bound | ${sec(m(system, 'prepare'))} s | ${system.map((r) => sec(r.prepare)).join(', ')} |`,
    `| the write operation (the ExecutePlan of the staged write, as the direct run times its own) | ${sec(m(system, 'writeOp'))} s | ${system.map((r) => sec(r.writeOp)).join(', ')} |`,
    `| after the write: staged snapshot found, its data files listed, location | ${sec(m(system, 'manifest'))} s | ${system.map((r) => sec(r.manifest)).join(', ')} |`,
    `| outside the handler (dequeued_at -> ended_at minus the above): hand-over to the runner, \`complete\` | ${sec(median(system.map((r) => r.run - r.prepare - r.writeOp - r.manifest)))} s | ${system.map((r) => sec(r.run - r.prepare - r.writeOp - r.manifest)).join(', ')} |`,
    `| **whole system minus direct** (medians) | **${sec(m(system, 'total') - median(direct))} s** | |`,
    '',
    `Setup (not measured above): the Spark install loaded ${cfg.rows.toLocaleString('en-US')} sample rows into Iceberg in ${sec(sp.setupMs)} s (DuckDB generates them as Parquet, Spark reads and writes them)${cfg.duckdb ? `; the DuckDB install generated them in ${sec(duckSetupMs)} s` : ''}.`,
    '',
  ];
  const out = path.join(root, 'bench', 'results', 'spark.md');
  writeReportKeepingNotes(out, lines.join('\n'));
  log(`wrote ${out}: ratio ${ratio.toFixed(2)}`);
}

main().then(() => cleanup.run()).catch(async (err: unknown) => {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  await cleanup.run();
  process.exit(1);
});
