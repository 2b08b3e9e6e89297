// API benchmark: a real `jobplane serve` on its own PostgreSQL database, driven by wrk (or autocannon), next to pgbench
// running the equivalent UPDATE directly on the same database ("the limit"). Run with `npm run bench:api`.
// Writes bench/results/api.md and appends one line per run to bench/results/api-runs.jsonl (the history).
//
// Env: BENCH_SECONDS (15: each API phase and the limit), BENCH_DIAG_SECONDS (10: the diagnostic pgbench phases),
// BENCH_WARMUP (3), BENCH_CONNECTIONS (32), BENCH_JOBS (initial API pool, 40000; topped up after the warm-up),
// BENCH_PGBENCH_JOBS (initial pgbench pool, 20000; topped up likewise), BENCH_PG_URL (postgres://postgres@127.0.0.1:5432),
// BENCH_LOADGEN (wrk: a separate C process, ~0.05 cores; or autocannon, in this process, ~0.15-0.2 cores),
// BENCH_SERVERS (1): how many `serve` processes share the database, autocannon spreading its connections over them
// (an experiment on deployment shape, not the default; needs BENCH_LOADGEN=autocannon). BENCH_PROFILE=1: only the `run` phase, with the server under --cpu-prof; writes bench/results/api-profile.md
// (BENCH_PROFILE_OUT=<file> also keeps the raw .cpuprofile).
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, databaseUrl, dropDatabase, Observer, Seeder, type DbCounters } from './lib/database.js';
import type { LoadResult } from './lib/load.js';
import { driver, loadGenFromEnv, type DrivenLoad } from './lib/loadgen.js';
import { pgbenchVersion, startPgbench, type PgbenchResult } from './lib/pgbench.js';
import { spawnServer, type SpawnedServer } from './lib/server.js';
import { CpuSampler } from './lib/sampler.js';
import { batchInline, captureServerSql, DISTINCT_ROW, distinctRows, LIMIT_SQL, ROW_JOB_ID, toPgbench } from './lib/sql.js';
import { MAX_IN_FLIGHT } from '../src/api/group-commit.js';
import { cleanupOnExit } from './lib/cleanup.js';
import { envInt } from './lib/env.js';
import { cpuModel, freePort, loadAverage } from './lib/sys.js';
import { summarizeProfile, type ProfileSummary } from './lib/cpuprofile.js';
import { renderReport, type PhaseReport, type RunRecord } from './lib/report.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cfg = {
  seconds: envInt('BENCH_SECONDS', 15),
  diagSeconds: envInt('BENCH_DIAG_SECONDS', 10),
  warmup: envInt('BENCH_WARMUP', 3),
  connections: envInt('BENCH_CONNECTIONS', 32),
  runJobs: envInt('BENCH_JOBS', 40_000),
  pgbenchJobs: envInt('BENCH_PGBENCH_JOBS', 20_000),
  profile: process.env['BENCH_PROFILE'] === '1',
  servers: envInt('BENCH_SERVERS', 1),
  loadgen: loadGenFromEnv(),
  /** The whole run is abandoned (and cleaned up) after this long. */
  deadlineMs: envInt('BENCH_DEADLINE_MS', 300_000),
};
const drive = driver(cfg.loadgen);
if (cfg.loadgen === 'wrk' && cfg.servers > 1) throw new Error('BENCH_SERVERS > 1 needs BENCH_LOADGEN=autocannon (wrk drives one URL)');
/** The server's pg pool size, set explicitly (JOBPLANE_PG_POOL) so that the report names what was measured. */
const SERVER_POOL = envInt('BENCH_SERVER_POOL', 20);
/**
 * Leases of one hour (the server's JOBPLANE_LEASE_MS and the pgbench scripts alike): with the default 30 s, the
 * server's maintenance pass would start expiring the jobs run early in the benchmark while later phases are being
 * measured, adding background UPDATEs and events to them. The lease's length costs nothing per request.
 */
const LEASE_MS = 3_600_000;
/** Pools are sized at this multiple of the warm-up's (or fastest phase's) rate times the phase's duration. */
const POOL_HEADROOM = 1.6;

const log = (msg: string) => process.stderr.write(`[bench:api ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The run batcher's totals from the servers' /metrics (the jobplane_run_batch_size histogram). */
async function runBatches(urls: string[], token: string): Promise<{ count: number; requests: number }> {
  let count = 0;
  let requests = 0;
  for (const u of urls) {
    const text = await (await fetch(`${u}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    count += Number(/^jobplane_run_batch_size_count (\S+)$/m.exec(text)?.[1] ?? 0);
    requests += Number(/^jobplane_run_batch_size_sum (\S+)$/m.exec(text)?.[1] ?? 0);
  }
  return { count, requests };
}

// ---- cleanup, on success, failure, signal or deadline ----------------------------------------------------
const cleanup = cleanupOnExit(log);
const watchdog = setTimeout(() => {
  log(`deadline of ${cfg.deadlineMs} ms passed: abandoning the run`);
  void cleanup.run().finally(() => process.exit(2));
}, cfg.deadlineMs);
watchdog.unref();

function delta(a: DbCounters, b: DbCounters): DbCounters {
  return {
    xactCommit: b.xactCommit - a.xactCommit, xactRollback: b.xactRollback - a.xactRollback,
    jobsUpdated: b.jobsUpdated - a.jobsUpdated, eventsInserted: b.eventsInserted - a.eventsInserted,
    walRecords: b.walRecords - a.walRecords, walBytes: b.walBytes - a.walBytes, walSyncs: b.walSyncs - a.walSyncs,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = loadAverage();
  const dbName = `jp_bench_api_${process.pid}_${Date.now().toString(36)}`;
  const url = databaseUrl(dbName);
  const dataDir = mkdtempSync(join(tmpdir(), 'jp-bench-api-'));
  cleanup.add('remove data dir', async () => rmSync(dataDir, { recursive: true, force: true }));

  log(`creating database ${dbName}`);
  await createDatabase(dbName);
  cleanup.add('drop database', () => dropDatabase(dbName));

  const profileDir = cfg.profile ? join(dataDir, 'cpuprof') : undefined;
  const servers: SpawnedServer[] = [];
  for (let i = 0; i < cfg.servers; i++) {
    // One at a time: the first migrates and bootstraps, the others find the database ready.
    const port = await freePort();
    const dir = join(dataDir, `server-${i}`);
    mkdirSync(dir);
    log(`starting jobplane serve on 127.0.0.1:${port}${cfg.profile ? ' (with --cpu-prof)' : ''}`);
    const s = await spawnServer({
      root, databaseUrl: url, dataDir: dir, port, logLevel: 'warn', cpuProfileDir: profileDir,
      env: { JOBPLANE_LEASE_MS: String(LEASE_MS), JOBPLANE_PG_POOL: String(SERVER_POOL) },
    });
    cleanup.add(`stop server ${i}`, () => s.stop());
    servers.push(s);
  }
  // The same server with run batching off (JOBPLANE_RUN_BATCH_MAX=1), for the `run` phase without group commit:
  // what one statement per request gives, next to the default. Idle while the others are measured.
  let unbatched: SpawnedServer | undefined;
  if (!cfg.profile) {
    const port = await freePort();
    const dir = join(dataDir, 'server-unbatched');
    mkdirSync(dir);
    log(`starting jobplane serve on 127.0.0.1:${port} with JOBPLANE_RUN_BATCH_MAX=1`);
    unbatched = await spawnServer({
      root, databaseUrl: url, dataDir: dir, port, logLevel: 'warn',
      env: { JOBPLANE_LEASE_MS: String(LEASE_MS), JOBPLANE_PG_POOL: String(SERVER_POOL), JOBPLANE_RUN_BATCH_MAX: '1' },
    });
    cleanup.add('stop unbatched server', () => unbatched!.stop());
  }
  const serverUrls = servers.map((s) => s.url);
  const serverPids = servers.map((s) => s.pid);
  const serverStartSeconds = (Date.now() - started) / 1000;

  const t0 = Date.now();
  const seeder = await Seeder.open(url);
  cleanup.add('close seeder', () => seeder.close());
  log(`seeding ${cfg.runJobs} + ${cfg.profile ? 0 : cfg.pgbenchJobs} pending jobs by SQL`);
  const ids = await seeder.addRunJobs(cfg.runJobs);
  if (!cfg.profile) await seeder.ensurePgbenchRows(0, cfg.pgbenchJobs);
  await seeder.analyze();
  let seedSeconds = (Date.now() - t0) / 1000;
  log(`seeded in ${seedSeconds.toFixed(1)} s`);
  const topUp = async <T>(what: string, fn: () => Promise<T>) => {
    const t = Date.now();
    const r = await fn();
    seedSeconds += (Date.now() - t) / 1000;
    log(`${what} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    return r;
  };

  const observer = await Observer.open(url, dbName);
  cleanup.add('close observer', () => observer.close());
  const settings = await observer.settings();
  const phases: PhaseReport[] = [];
  const backendPids = () => observer.backendPids();
  const token = seeder.token;

  // ---- API phases -----------------------------------------------------------------------------------------
  let next = 0; // ids[0..next) have been handed out to a `run` load
  let exhausted = false;
  const executor = 'job-executor-98e1f48e-bf54-4f11-bbd1-73c445120266';
  const runBody = JSON.stringify({ executor });
  const runPaths = () => ids.slice(next).map((id) => `/jobs/${id}/run`);

  async function apiPhase(name: string, method: 'GET' | 'POST', paths: () => string[], body?: string,
    beforeMeasure?: (warm?: DrivenLoad) => Promise<void>, target: { urls: string[]; pids: number[] } = { urls: serverUrls, pids: serverPids }) {
    const load = async (seconds: number) => {
      const driven = await drive({ urls: target.urls, connections: cfg.connections, seconds, token, method, paths: paths(), body });
      if (method === 'POST') {
        next += driven.pathsUsed;
        exhausted ||= driven.exhausted;
      }
      return driven;
    };
    if (beforeMeasure) await beforeMeasure();
    log(`${name}: warm-up ${cfg.warmup} s`);
    const warm = await load(cfg.warmup);
    if (beforeMeasure) await beforeMeasure(warm);
    await sleep(1500); // let the backends flush their statistics
    const before = await observer.counters();
    const batchesBefore = await runBatches(target.urls, token);
    const sampler = new CpuSampler(target.pids, backendPids);
    log(`${name}: measuring ${cfg.seconds} s at ${cfg.connections} connections (${cfg.loadgen})`);
    sampler.begin();
    const startUs = Number(process.hrtime.bigint() / 1000n);
    const measured = await load(cfg.seconds);
    const window = { startUs, endUs: Number(process.hrtime.bigint() / 1000n) };
    const cpu = await sampler.end(measured.driverCpuMs);
    await sleep(1500);
    const counters = delta(before, await observer.counters());
    const batchesAfter = await runBatches(target.urls, token);
    const batches = { count: batchesAfter.count - batchesBefore.count, requests: batchesAfter.requests - batchesBefore.requests };
    const m = measured.result;
    log(`${name}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, non-2xx ${m.non2xx}, errors ${m.errors}` +
      (batches.count ? `; ${batches.count} run batches of ${(batches.requests / batches.count).toFixed(1)} on average` : ''));
    return { warm: warm.result, load: m, cpu, counters, window, batches };
  }

  // GET first: it warms up the code both routes share (Fastify, the auth hook, pg), so `run` is not measured on
  // a colder JIT than GET. (In profile mode, a GET warm-up only.)
  const getPaths = () => ids.map((id) => `/jobs/${id}`);
  let get: Awaited<ReturnType<typeof apiPhase>> | undefined;
  if (cfg.profile) {
    log(`GET /jobs/{id}: warm-up ${cfg.warmup} s`);
    await drive({ urls: serverUrls, connections: cfg.connections, seconds: cfg.warmup, token, method: 'GET', paths: getPaths() });
  } else {
    get = await apiPhase('GET /jobs/{id}', 'GET', getPaths);
  }

  let fastestRun = 0; // req/s, the fastest `run` load so far
  /** Enough unused ids for the coming load: before a warm-up at the fastest rate seen, after it at the warm-up's. */
  const ensureRunIds = async (warm?: DrivenLoad) => {
    if (warm) fastestRun = Math.max(fastestRun, warm.result.ok2xx / warm.result.seconds);
    const rate = warm ? warm.result.ok2xx / warm.result.seconds : Math.max(fastestRun, 10_000);
    const needed = Math.ceil(rate * (warm ? cfg.seconds : cfg.warmup) * POOL_HEADROOM) + 4 * cfg.connections;
    const left = ids.length - next;
    if (left < needed) {
      // A loop, not push(...more): spreading 100k+ arguments overflows the stack.
      for (const id of await topUp(`added ${needed - left} API jobs`, () => seeder.addRunJobs(needed - left))) ids.push(id);
    }
  };
  const run = await apiPhase('POST /jobs/{id}/run', 'POST', runPaths, runBody, ensureRunIds);
  const runUnbatched = unbatched
    ? await apiPhase('POST /jobs/{id}/run, batching off', 'POST', runPaths, runBody, ensureRunIds, { urls: [unbatched.url], pids: [unbatched.pid] })
    : undefined;
  const runOk = run.warm.ok2xx + run.load.ok2xx + (runUnbatched ? runUnbatched.warm.ok2xx + runUnbatched.load.ok2xx : 0);
  const runCheck = (await observer.query<{ running: number; events: number; attempts_ok: boolean | null }>(
    `SELECT count(*) FILTER (WHERE state = 'running')::int AS running,
            (SELECT count(*)::int FROM job_events WHERE action = 'run') AS events,
            bool_and(attempt = 1) FILTER (WHERE state = 'running') AS attempts_ok
       FROM jobs WHERE idempotency_key LIKE 'bench-run-%'`,
  ))[0]!;
  const popped = next;
  // Every 2xx must have applied a transition to its own job (no no-op 200s): applied >= 2xx responses, and at
  // most the ids handed out (requests cut off at the end of a phase may still have been applied).
  const runDistinct = !exhausted && runCheck.running >= runOk && runCheck.running <= popped &&
    runCheck.events === runCheck.running && runCheck.attempts_ok !== false;
  phases.push({
    key: 'api-run', label: `\`POST /jobs/{id}/run\` (API, distinct pending jobs${cfg.servers > 1 ? `, ${cfg.servers} server processes` : ''}; run batching on, the default)`, kind: 'api', clients: cfg.connections,
    seconds: cfg.seconds, load: run.load, cpu: run.cpu, counters: run.counters,
    check: `${runCheck.running} jobs running, ${runCheck.events} run events, ${runOk} 2xx responses (warm-up included), ` +
      `${popped} ids handed out${exhausted ? ', **id pool exhausted**' : ''}: ${runDistinct ? 'every 2xx ran a distinct pending job (no no-op 200s)' : '**CHECK FAILED**'}`,
    valid: runDistinct && run.load.non2xx === 0 && run.load.errors === 0 && run.warm.non2xx === 0,
    batches: run.batches,
  });
  if (runUnbatched) {
    phases.push({
      key: 'api-run-unbatched', label: '`POST /jobs/{id}/run`, batching off (`JOBPLANE_RUN_BATCH_MAX=1`: one statement per request)',
      kind: 'api', clients: cfg.connections, seconds: cfg.seconds, load: runUnbatched.load, cpu: runUnbatched.cpu, counters: runUnbatched.counters,
      check: `see api-run (the two phases share the id pool and the check)`,
      valid: runDistinct && runUnbatched.load.non2xx === 0 && runUnbatched.load.errors === 0 && runUnbatched.warm.non2xx === 0,
      batches: runUnbatched.batches,
    });
  }

  let profile: ProfileSummary | undefined;
  if (get) {
    phases.push({
      key: 'api-get', label: `\`GET /jobs/{id}\` (API${cfg.servers > 1 ? `, ${cfg.servers} server processes` : ''})`, kind: 'api', clients: cfg.connections, seconds: cfg.seconds,
      load: get.load, cpu: get.cpu, counters: get.counters, check: '',
      valid: get.load.non2xx === 0 && get.load.errors === 0 && get.warm.non2xx === 0,
    });
  }
  if (!cfg.profile) {

    // ---- pgbench phases ----------------------------------------------------------------------------------
    const captured = await captureServerSql({
      companyId: seeder.companyId, executor, leaseMs: LEASE_MS, token,
      actor: { type: 'api_user', company_id: seeder.companyId, user_id: 1, token_id: '00000000-0000-0000-0000-000000000000' },
    });
    const runSql = toPgbench(captured.run, 'r', { 1: ROW_JOB_ID });
    const authSql = toPgbench(captured.auth, 'a');
    let base = 0; // rows 1..base of bench_pgb are used
    let maxTps = 0;
    const usedRows = async () => (await observer.query<{ updated: number; max_n: number | null }>(
      `SELECT count(*)::int AS updated, max(b.n) AS max_n FROM bench_pgb b JOIN jobs j USING (job_id)
        WHERE b.n > $1 AND j.state <> 'pending'`, [base],
    ))[0]!;

    interface PgbenchSpec {
      key: string; label: string; script: string; clients: number; mode: 'prepared' | 'extended'; defines: string[];
      seconds: number; warmup: boolean;
      /** Jobs each transaction updates (1 unless it is a batch); the phase's rate is reported in jobs/s. */
      rowsPerTx?: number;
    }
    const pgbench = async (p: PgbenchSpec, seconds: number) => {
      const pb = startPgbench({
        url: new URL(url), database: dbName, script: p.script, clients: p.clients, threads: 2, seconds,
        mode: p.mode, defines: ['k=0', `base=${base}`, `nclients=${p.clients}`, ...p.defines],
      });
      cleanup.add(`kill pgbench ${p.key}`, async () => { if (pb.child.exitCode === null) pb.child.kill('SIGKILL'); });
      return pb;
    };
    const pgbenchPhase = async (p: PgbenchSpec) => {
      if (p.warmup) {
        log(`pgbench ${p.key}: warm-up ${cfg.warmup} s`);
        const w = await (await pgbench(p, cfg.warmup)).done;
        maxTps = Math.max(maxTps, w.tps);
        base = (await usedRows()).max_n ?? base;
      }
      // Enough pending rows for this phase at the fastest rate seen so far (pgbench fails the check otherwise).
      const rows = p.rowsPerTx ?? 1;
      // A batch phase can outrun every one-row phase: size it on twice the fastest rate seen, API included.
      const rate = rows > 1 ? 2 * Math.max(maxTps, run.load.rps) : Math.max(maxTps, 1000);
      const needed = Math.ceil(rate * p.seconds * POOL_HEADROOM) + 4 * p.clients * rows;
      await topUp(`pgbench pool: rows ${base + 1}..${base + needed} ready`, () => seeder.ensurePgbenchRows(base, needed));
      await sleep(1500);
      const before = await observer.counters();
      log(`pgbench ${p.key}: ${p.seconds} s, ${p.clients} clients, -M ${p.mode}`);
      const pb = await pgbench(p, p.seconds);
      const sampler = new CpuSampler([], backendPids, pb.child.pid);
      sampler.begin();
      const result: PgbenchResult = await pb.done;
      const cpu = await sampler.end();
      await sleep(1500);
      const counters = delta(before, await observer.counters());
      const used = await usedRows();
      const ok = used.updated === result.processed * rows && result.failed === 0;
      if (rows === 1) maxTps = Math.max(maxTps, result.tps);
      log(`pgbench ${p.key}: ${result.tps.toFixed(0)} tps, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms; ${used.updated}/${result.processed} rows updated`);
      const load: LoadResult = {
        seconds: p.seconds, completed: result.processed, ok2xx: result.processed, non2xx: 0, errors: result.failed, timeouts: 0,
        statusCodes: {}, rps: result.tps * rows, p50: result.p50, p975: result.p975, p99: result.p99, max: result.max, badSamples: [],
      };
      phases.push({
        key: p.key, label: p.label, kind: 'pgbench', clients: p.clients, seconds: p.seconds, mode: p.mode, load, cpu, counters,
        check: `${used.updated} distinct pending rows updated by ${result.processed} transactions${rows > 1 ? ` of ${rows} jobs` : ''} (rows ${base + 1}..${used.max_n ?? base} of ${seeder.pgbenchRows})` +
          (ok ? '' : ' — **CHECK FAILED (pool exhausted or failed transactions)**'),
        valid: ok,
      });
      base = used.max_n ?? base;
    };

    const runScript = `${DISTINCT_ROW}${runSql.sql}\n`;
    const apiScript = `${DISTINCT_ROW}${authSql.sql}\n${runSql.sql}\n`;
    await pgbenchPhase({
      key: 'pgbench-limit', label: 'pgbench: single-row `UPDATE … RETURNING *` (**the limit**)', clients: cfg.connections,
      mode: 'prepared', script: `${DISTINCT_ROW}${LIMIT_SQL}\n`, defines: [`exec=${executor}`], seconds: cfg.seconds, warmup: true,
    });
    await pgbenchPhase({
      key: 'pgbench-run-sql', label: 'pgbench: the server\'s `run` statement (CTE + event), unnamed like node-pg',
      clients: cfg.connections, mode: 'extended', script: runScript, defines: runSql.defines, seconds: cfg.diagSeconds, warmup: false,
    });
    await pgbenchPhase({
      key: 'pgbench-run-sql-prepared', label: 'pgbench: the same `run` statement, prepared once per connection',
      clients: cfg.connections, mode: 'prepared', script: runScript, defines: runSql.defines, seconds: cfg.diagSeconds, warmup: false,
    });
    await pgbenchPhase({
      key: 'pgbench-api-sql-pool', label: `pgbench: auth SELECT + \`run\` statement, ${SERVER_POOL} clients (the server's pool)`,
      clients: SERVER_POOL, mode: 'extended', script: apiScript, defines: [...authSql.defines, ...runSql.defines],
      seconds: cfg.diagSeconds, warmup: false,
    });
    const batchRows = Math.max(2, Math.round(run.batches.count ? run.batches.requests / run.batches.count : 2));
    const manySql = toPgbench(captured.runMany, 'm', batchInline(batchRows));
    await pgbenchPhase({
      key: 'pgbench-run-batch',
      label: `pgbench: the server's batch statement, ${batchRows} jobs each (the API's average batch), ${MAX_IN_FLIGHT} clients (the batcher's most in flight); jobs/s`,
      clients: MAX_IN_FLIGHT, mode: 'prepared', script: `${distinctRows(batchRows)}${manySql.sql}\n`,
      defines: [...manySql.defines, `exec=${executor}`, `company=${seeder.companyId}`,
        `actor=${JSON.stringify({ type: 'api_user', company_id: seeder.companyId, user_id: 1, token_id: '00000000-0000-0000-0000-000000000000' })}`],
      seconds: cfg.diagSeconds, warmup: false, rowsPerTx: batchRows,
    });
    await pgbenchPhase({
      key: 'pgbench-api-sql-32', label: `pgbench: auth SELECT + \`run\` statement, ${cfg.connections} clients`,
      clients: cfg.connections, mode: 'extended', script: apiScript, defines: [...authSql.defines, ...runSql.defines],
      seconds: cfg.diagSeconds, warmup: false,
    });
  }

  log('stopping the server');
  for (const s of servers) await s.stop();
  await unbatched?.stop();
  if (profileDir) {
    const file = existsSync(profileDir) ? readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile')).sort()[0] : undefined;
    if (file) profile = summarizeProfile(join(profileDir, file), run.window);
    if (file && process.env['BENCH_PROFILE_OUT']) copyFileSync(join(profileDir, file), process.env['BENCH_PROFILE_OUT']);
    if (!file) log('no CPU profile was written');
  }

  const record: RunRecord = {
    at: new Date().toISOString(),
    profiled: cfg.profile,
    conditions: {
      cpu: cpuModel(), node: process.version, pg: settings.version, pgbench: pgbenchVersion(), settings,
      loadAtStart, loadAtEnd: loadAverage(), jobs: seeder.runSeeded, pgbenchJobs: seeder.pgbSeeded,
      seconds: cfg.seconds, diagSeconds: cfg.diagSeconds, warmup: cfg.warmup, connections: cfg.connections, serverPool: SERVER_POOL,
      servers: cfg.servers, loadgen: cfg.loadgen,
      serverStartSeconds, seedSeconds, totalSeconds: (Date.now() - started) / 1000,
    },
    phases,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const historyFile = join(root, 'bench/results/api-runs.jsonl');
  if (!cfg.profile) appendFileSync(historyFile, `${JSON.stringify(record)}\n`);
  const history: RunRecord[] = existsSync(historyFile)
    ? readFileSync(historyFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord)
    : [];
  const out = join(root, cfg.profile ? 'bench/results/api-profile.md' : 'bench/results/api.md');
  writeFileSync(out, renderReport(record, history, profile));
  log(`wrote ${out} (${record.conditions.totalSeconds.toFixed(0)} s in all)`);
  const bad = phases.filter((p) => !p.valid);
  if (bad.length) {
    log(`INVALID phases: ${bad.map((p) => p.key).join(', ')}`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (err) {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanup.run();
  clearTimeout(watchdog);
}
