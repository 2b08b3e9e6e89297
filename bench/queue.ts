// Queue benchmark: no-op jobs through a real `jobplane serve` process on a fresh PostgreSQL database, claimed and
// completed over HTTP by registered executors (worker processes looping claim -> complete), next to pg-boss 10 and
// Graphile Worker 0.17 on the same PostgreSQL in the same run. Run with `npm run bench:queue`. Writes
// bench/results/queue.md and appends the run to bench/results/queue-runs.jsonl.
//
// Phases: throughput (jobs/s, first to last completion) at 1, 8, 32 executors x claim limit 1 and 20, and the
// anchors (pg-boss fetch+complete batch 1 and 20, Graphile Worker concurrency 8); claim latency; create -> running
// latency with an idle operator (long-poll claim); `POST /jobs` vs `POST /jobs/{id}/run` at 32 connections; a CPU
// profile of the server in the unbatched case; the claim's plan (auto_explain, ANALYZE + BUFFERS) on 1M pending jobs.
//
// Flags: --render (re-render queue.md from the last recorded run, measure nothing); --jobs N (= BENCH_JOBS); --batch-complete / --no-batch-complete (= BENCH_BATCH_COMPLETE=on|off; default
// auto: the batched phase uses `POST /jobs/complete` when the server's /openapi.json has it, else 20 concurrent
// single completes per executor).
// Env: BENCH_JOBS (5000 per throughput phase), BENCH_WARMUP_JOBS (1000), BENCH_EXECUTORS (1,8,32), BENCH_LIMITS
// (1,20), BENCH_EXECUTOR_PROCS (2: worker processes the executors are spread over), BENCH_ANCHOR_CONCURRENCY (8),
// BENCH_LATENCY_SAMPLES (200), BENCH_HTTP_SECONDS (10), BENCH_WARMUP (3 s before each HTTP phase), BENCH_CONNECTIONS
// (32), BENCH_PLAN_JOBS (1000000; 0 skips the plan), BENCH_PLAN_SEED_S (180: seeding the plan's backlog stops there), BENCH_PROFILE (1; 0 skips the profiled phase),
// BENCH_PHASE_TIMEOUT_S (60: a throughput phase stops there and counts what completed), BENCH_DEADLINE_MS (1800000), BENCH_LOADGEN (wrk if on the PATH, else autocannon),
// BENCH_PG_URL (postgres://postgres@127.0.0.1:5432), BENCH_SERVER_POOL (20), BENCH_RESULTS_DIR (bench/results),
// BENCH_SERVER_ROOT (this checkout: the source tree `serve` runs from, e.g. a `git archive HEAD` copy with node_modules linked).
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { cleanupOnExit } from './lib/cleanup.js';
import { summarizeProfile } from './lib/cpuprofile.js';
import { createDatabase, databaseUrl, dropDatabase, Observer } from './lib/database.js';
import { envInt } from './lib/env.js';
import { driver, type LoadGen } from './lib/loadgen.js';
import { CpuSampler } from './lib/sampler.js';
import { spawnServer, type SpawnedServer } from './lib/server.js';
import { cpuCount, cpuModel, freePort, loadAverage } from './lib/sys.js';
import { KeepAliveJson, monoMs } from './lib/queue-http.js';
import { spawnWorker, type AnchorSetup, type CompleteMode, type WorkerProcess, type WorkerStats } from './lib/queue-ipc.js';
import {
  counterDelta, NOOP_TYPE, pgSettings, queueTenant, readCounters, seedNoopJobs, statesOf, writeBatchCounters, writeBatchDelta,
  type QueueCounters, type QueueTenant,
} from './lib/queue-db.js';
import { captureClaimPlans, type ClaimPlans } from './lib/queue-plan.js';
import { mergeStats, summarize, type HttpPhase, type LatencyProbe, type PhaseCpu, type QueueRun, type ThroughputPhase } from './lib/queue-record.js';
import { renderQueueReport } from './lib/queue-report.js';
import { inclusiveOwnFrames } from './lib/queue-profile.js';
import { loadServerTree, type ServerTree } from './lib/queue-server-tree.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

// ---- configuration ------------------------------------------------------------------------------------------------
function envList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = raw.split(',').map((s) => Number(s.trim()));
  if (v.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`${name} must be a comma-separated list of positive integers`);
  return v;
}
function envCount(name: string, fallback: number): number {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a non-negative integer`);
  return v;
}
function parseFlags(argv: string[]): { jobs?: number; batchComplete?: 'on' | 'off'; render?: boolean } {
  const out: { jobs?: number; batchComplete?: 'on' | 'off'; render?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--render') out.render = true;
    else if (a === '--batch-complete') out.batchComplete = 'on';
    else if (a === '--no-batch-complete') out.batchComplete = 'off';
    else if (a === '--jobs' || a.startsWith('--jobs=')) {
      const v = Number(a.includes('=') ? a.slice(7) : argv[++i]);
      if (!Number.isInteger(v) || v <= 0) throw new Error('--jobs needs a positive integer');
      out.jobs = v;
    } else throw new Error(`unknown flag ${a} (known: --jobs N, --batch-complete, --no-batch-complete, --render)`);
  }
  return out;
}
const flags = parseFlags(process.argv.slice(2));
const batchEnv = process.env['BENCH_BATCH_COMPLETE'] ?? 'auto';
if (!['auto', 'on', 'off'].includes(batchEnv)) throw new Error('BENCH_BATCH_COMPLETE must be auto, on or off');

function onPath(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const wrkFound = onPath('wrk');
const loadgenEnv = process.env['BENCH_LOADGEN'];
if (loadgenEnv !== undefined && loadgenEnv !== 'wrk' && loadgenEnv !== 'autocannon') throw new Error('BENCH_LOADGEN must be wrk or autocannon');
const loadgen: LoadGen = (loadgenEnv as LoadGen | undefined) ?? (wrkFound ? 'wrk' : 'autocannon');

const cfg = {
  jobs: flags.jobs ?? envInt('BENCH_JOBS', 5_000),
  warmupJobs: envInt('BENCH_WARMUP_JOBS', 1_000),
  executors: envList('BENCH_EXECUTORS', [1, 8, 32]),
  limits: envList('BENCH_LIMITS', [1, 20]),
  procs: envInt('BENCH_EXECUTOR_PROCS', 2),
  anchorConcurrency: envInt('BENCH_ANCHOR_CONCURRENCY', 8),
  latencySamples: envInt('BENCH_LATENCY_SAMPLES', 200),
  httpSeconds: envInt('BENCH_HTTP_SECONDS', 10),
  warmup: envInt('BENCH_WARMUP', 3),
  connections: envInt('BENCH_CONNECTIONS', 32),
  planJobs: envCount('BENCH_PLAN_JOBS', 1_000_000),
  planSeedMs: envInt('BENCH_PLAN_SEED_S', 180) * 1000,
  profile: process.env['BENCH_PROFILE'] !== '0',
  phaseTimeoutMs: envInt('BENCH_PHASE_TIMEOUT_S', 60) * 1000,
  deadlineMs: envInt('BENCH_DEADLINE_MS', 1_800_000),
  serverPool: envInt('BENCH_SERVER_POOL', 20),
  batchComplete: (flags.batchComplete ?? batchEnv) as 'auto' | 'on' | 'off',
  /** Where queue.md and queue-runs.jsonl go (a smoke run with small settings should not land in the history). */
  resultsDir: process.env['BENCH_RESULTS_DIR'] ?? join(root, 'bench/results'),
  /** The source tree the server runs from (and the store functions the bench takes from it). */
  serverRoot: process.env['BENCH_SERVER_ROOT'] ?? root,
};
/** The executor count the anchors are compared at (their concurrency), and the batched limit. */
const COMPARE_AT = cfg.anchorConcurrency;
const BATCH = Math.max(...cfg.limits);
/**
 * Leases of one hour: with the default 30 s the server's maintenance would expire jobs of one phase while a later one
 * is measured. A lease's length costs nothing per request.
 */
const LEASE_MS = 3_600_000;

const log = (msg: string) => process.stderr.write(`[bench:queue ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cleanup = cleanupOnExit(log);
const watchdog = setTimeout(() => {
  log(`deadline of ${cfg.deadlineMs} ms passed: abandoning the run`);
  void cleanup.run().finally(() => process.exit(2));
}, cfg.deadlineMs);
watchdog.unref();

// ---- the run --------------------------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = loadAverage();
  const tree = await loadServerTree(cfg.serverRoot);
  log(`server tree: ${tree.describe}`);
  const dbName = `jp_bench_queue_${process.pid}_${Date.now().toString(36)}`;
  const url = databaseUrl(dbName);
  const dataDir = mkdtempSync(join(tmpdir(), 'jp-bench-queue-'));
  cleanup.add('remove data dir', async () => rmSync(dataDir, { recursive: true, force: true }));
  log(`creating database ${dbName}; load generator for the HTTP phases: ${loadgen}${wrkFound ? '' : ' (wrk is not on the PATH)'}`);
  await createDatabase(dbName);
  cleanup.add('drop database', () => dropDatabase(dbName));

  const serverEnv = {
    JOBPLANE_LEASE_MS: String(LEASE_MS), JOBPLANE_PG_POOL: String(cfg.serverPool), JOBPLANE_EXTRA_JOB_TYPES: NOOP_TYPE,
    JOBPLANE_SAMPLE_DATA: 'false',
  };
  const startServer = async (name: string, profileDir?: string) => {
    const dir = join(dataDir, name);
    mkdirSync(dir);
    const port = await freePort();
    log(`starting jobplane serve (${name}) on 127.0.0.1:${port}${profileDir ? ' with --cpu-prof' : ''}`);
    const s = await spawnServer({ root: cfg.serverRoot, databaseUrl: url, dataDir: dir, port, logLevel: 'warn', cpuProfileDir: profileDir, env: serverEnv, readyTimeoutMs: 300_000 });
    cleanup.add(`stop server ${name}`, () => s.stop());
    return s;
  };
  const t0 = Date.now();
  const server = await startServer('server');
  const serverStartSeconds = (Date.now() - t0) / 1000;

  const c = new pg.Client({ connectionString: url, application_name: 'jobplane-bench-queue' });
  await c.connect();
  cleanup.add('close bench client', () => c.end().catch(() => {}));
  const observer = await Observer.open(url, dbName);
  cleanup.add('close observer', () => observer.close());
  const backendPids = () => observer.backendPids();
  const tenant = await queueTenant(c, tree);
  const settings = await pgSettings(c);
  // The idle server's own CPU (maintenance pass, pollers, metrics): a fixed cost that per-job figures include, large
  // per job when jobs/s is low.
  await sleep(2000);
  const idleSampler = new CpuSampler([server.pid], backendPids);
  idleSampler.begin();
  await sleep(5000);
  const idle = await idleSampler.end();
  log(`idle server: ${idle.serverCores.toFixed(3)} cores, its backends ${idle.backendsCores.toFixed(3)} cores (5 s, nothing sent)`);

  // The batched phase's completion: the batch endpoint when the server has it (or when told to use it).
  const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths?: Record<string, Record<string, unknown>> };
  const hasBatch = Boolean(openapi.paths?.['/jobs/complete']?.['post']);
  if (cfg.batchComplete === 'on' && !hasBatch) throw new Error('--batch-complete: the server\'s /openapi.json has no POST /jobs/complete');
  const batchMode: CompleteMode = cfg.batchComplete === 'off' ? 'concurrent' : cfg.batchComplete === 'on' || hasBatch ? 'batch' : 'concurrent';
  const batchWhy = cfg.batchComplete === 'auto'
    ? `auto-detected: /openapi.json ${hasBatch ? 'has' : 'has no'} POST /jobs/complete`
    : `forced ${cfg.batchComplete} by flag/env (the server ${hasBatch ? 'has' : 'has no'} POST /jobs/complete)`;
  log(`batched phase completes with ${batchMode === 'batch' ? 'POST /jobs/complete (a list)' : `${BATCH} concurrent POST /jobs/{id}/complete per executor`} (${batchWhy})`);

  // Executor worker processes, kept for the whole run; a phase spreads its executors over them round-robin.
  const maxExecutors = Math.max(...cfg.executors, COMPARE_AT);
  const procCount = Math.max(1, Math.min(cfg.procs, maxExecutors));
  const procs: WorkerProcess[] = [];
  for (let i = 0; i < procCount; i++) {
    const w = spawnWorker(`executors-${i}`, join(root, 'bench/lib/queue-executor-proc.ts'), root, join(dataDir, `executors-${i}.log`));
    cleanup.add(`stop executors-${i}`, () => w.stop());
    procs.push(w);
  }

  const throughput: ThroughputPhase[] = [];
  const vacuum = (what = 'jobs, job_events') => c.query(`VACUUM ANALYZE ${what}`);
  const registerExecutors = async (target: SpawnedServer, n: number, slots: number, key: string, planeId = tenant.planeId): Promise<string[]> => {
    const http = new KeepAliveJson(target.url, tenant.token, 4);
    try {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const r = await http.post('/executors', { data_plane_id: planeId, types: [NOOP_TYPE], slots, name: `bench-${key}-${i}` });
        if (r.status !== 201) throw new Error(`POST /executors: ${r.status} ${r.text}`);
        ids.push((JSON.parse(r.text) as { id: string }).id);
      }
      return ids;
    } finally {
      http.close();
    }
  };

  /** Sends `go` to every worker and collects their stats; after the phase timeout, tells them to stop. */
  const goAll = async (workers: WorkerProcess[]) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      log(`phase timeout (${cfg.phaseTimeoutMs / 1000} s): stopping the workers`);
      for (const w of workers) w.send({ kind: 'stop' });
    }, cfg.phaseTimeoutMs);
    try {
      const done = await Promise.all(workers.map((w) => w.request({ kind: 'go' }, 'done', cfg.phaseTimeoutMs + 120_000)));
      return { stats: done.map((d) => d.stats), timedOut };
    } finally {
      clearTimeout(timer);
    }
  };

  /** Counters, CPU and the workers' stats around one `go`. */
  const measure = async (workers: WorkerProcess[], serverPids: number[]) => {
    await sleep(1500); // let the backends flush their statistics
    const before = await readCounters(c, dbName);
    const sampler = new CpuSampler(serverPids, backendPids);
    sampler.begin();
    const wallStart = performance.now();
    const { stats, timedOut } = await goAll(workers);
    const windowMs = performance.now() - wallStart;
    const usage = await sampler.end();
    await sleep(1500);
    const counters = counterDelta(before, await readCounters(c, dbName));
    const cpu: PhaseCpu = {
      windowMs,
      procs: [
        ...serverPids.map((pid) => ({ name: 'jobplane server', cpuMs: (usage.serverCores * windowMs) / serverPids.length, pid })),
        ...workers.map((w, i) => ({ name: w.name, cpuMs: stats[i]!.cpuMs })),
        { name: 'bench (this process, idle)', cpuMs: usage.driverCores * windowMs },
      ].map(({ name, cpuMs }) => ({ name, cpuMs })),
      backendsMs: usage.backendsCores * windowMs,
      machineCores: usage.machineCores, cores: usage.cores,
      ...(usage.serverRunqCores !== undefined ? { serverRunqCores: usage.serverRunqCores } : {}),
    };
    return { stats, timedOut, counters, cpu };
  };

  const rates = (m: Omit<WorkerStats, 'cpuMs'>) => {
    const span = m.firstDoneMs !== null && m.lastDoneMs !== null ? m.lastDoneMs - m.firstDoneMs : NaN;
    return {
      spanMs: span,
      rate: span > 0 ? ((m.completed - 1) * 1000) / span : NaN,
      rateFromGo: m.lastDoneMs !== null ? (m.completed * 1000) / (m.lastDoneMs - m.goMs) : NaN,
    };
  };

  // ---- jobplane throughput phase ----
  const jobplanePhase = async (p: {
    key: string; executors: number; limit: number; complete: CompleteMode; jobs: number; target: SpawnedServer; profiled?: boolean;
  }): Promise<ThroughputPhase> => {
    // Each phase on a data plane of its own: what a phase stopped at the time cap leaves pending is never claimed by
    // a later one (claims are per plane), and nothing has to be deleted between phases.
    const planeId = await createPlane(p.target.url, tenant.token, `bench-${p.key}`);
    const prefix = `q-${p.key}-`;
    const seedT = Date.now();
    await seedNoopJobs(c, { ...tenant, planeId }, { prefix, count: p.jobs, events: true });
    await vacuum();
    const ids = await registerExecutors(p.target, p.executors, p.limit, p.key, planeId);
    const active = procs.filter((_, i) => i < p.executors);
    await Promise.all(active.map((w, i) => w.request({
      kind: 'setup', baseUrl: p.target.url, token: tenant.token, planeId,
      executors: ids.filter((_, j) => j % active.length === i), limit: p.limit, complete: p.complete,
    }, 'ready', 60_000)));
    log(`${p.key}: ${p.jobs} jobs seeded in ${((Date.now() - seedT) / 1000).toFixed(1)} s; ${p.executors} executors (limit ${p.limit}, ${p.complete}) over ${active.length} processes: go`);
    const batchesBefore = await writeBatchCounters(p.target.url, tenant.token);
    const m = await measure(active, [p.target.pid]);
    const writeBatches = writeBatchDelta(batchesBefore, await writeBatchCounters(p.target.url, tenant.token));
    const merged = mergeStats(m.stats);
    const r = rates(merged);
    if (merged.lastDoneMs !== null) phaseWindowUs.set(p.key, { startUs: merged.goMs * 1000, endUs: merged.lastDoneMs * 1000 });
    const states = await statesOf(c, prefix);
    const events = (await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM job_events e JOIN jobs j USING (job_id) WHERE j.idempotency_key LIKE $1 || '%' AND e.action = 'complete'`, [prefix],
    )).rows[0]!.n;
    const completedInDb = states['completed'] ?? 0;
    // Stopped at the time cap, a phase still counts if every acknowledged completion is in the database and the
    // rest of its jobs are still pending (none lost, none half done).
    const allDone = merged.completed === p.jobs;
    const valid = merged.errors === 0 && completedInDb === merged.completed && events === completedInDb &&
      (allDone || (m.timedOut && (states['pending'] ?? 0) === p.jobs - completedInDb));
    const phase: ThroughputPhase = {
      key: p.key, system: 'jobplane', label: `jobplane, ${p.executors} executor${p.executors > 1 ? 's' : ''}, claim limit ${p.limit}`,
      concurrency: p.executors, batch: p.limit, complete: p.complete, ...(p.profiled ? { profiled: true } : {}),
      jobs: p.jobs, completed: merged.completed, ...r,
      claimLatency: summarize(merged.claimMs), completeLatency: summarize(merged.completeMs),
      cpu: m.cpu, counters: m.counters, statuses: merged.statuses, errors: merged.errors, errorSamples: merged.errorSamples,
      timedOut: m.timedOut, notes: merged.notes, writeBatches,
      check: `${completedInDb} of ${p.jobs} seeded jobs completed in the database (${JSON.stringify(states)}), ${events} complete events; ` +
        `${merged.completed} completions acknowledged, ${merged.claims} claims (${merged.emptyClaims} empty)${m.timedOut ? `; stopped at the ${cfg.phaseTimeoutMs / 1000} s time cap` : ''}`,
      valid,
    };
    log(`${p.key}: ${r.rate.toFixed(0)} jobs/s (first to last completion), claim p50 ${phase.claimLatency!.p50.toFixed(1)} ms p99 ${phase.claimLatency!.p99.toFixed(1)} ms${valid ? '' : ` — INVALID: ${phase.check}; ${JSON.stringify(merged.statuses)}; ${merged.errorSamples.join(' / ')}`}`);
    if (!valid && merged.statuses && Object.keys(merged.statuses).some((k) => / 5\d\d$/.test(k))) log(`server log tail:\n${p.target.logTail(2500)}`);
    return phase;
  };

  // ---- anchor phase ----
  const anchorVersion = (pkg: string) => (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
  const anchorPhase = async (p: { key: string; anchor: AnchorSetup['anchor']; batch: number; concurrency: number; jobs: number }): Promise<ThroughputPhase> => {
    const schema = p.anchor === 'pg-boss' ? 'pgboss' : 'graphile_worker';
    const queue = `noop_${p.key.replace(/[^a-z0-9]/gi, '_')}`;
    const w = spawnWorker(p.key, join(root, 'bench/lib/queue-anchor-proc.ts'), root, join(dataDir, `${p.key}.log`), { NO_LOG_SUCCESS: '1' });
    cleanup.add(`stop ${p.key}`, () => w.stop());
    try {
      const seedT = Date.now();
      const ready = await w.request({
        kind: 'setup', anchor: p.anchor, connectionString: url, schema, queue, jobs: p.jobs, batch: p.batch, concurrency: p.concurrency,
      }, 'ready', 180_000);
      await vacuum(''); // the whole database: the anchor's tables were just written, as jobplane's are before its phases
      log(`${p.key}: ${p.jobs} jobs inserted in ${((Date.now() - seedT) / 1000).toFixed(1)} s: go`);
      const m = await measure([w], []);
      const merged = mergeStats(m.stats);
      const r = rates(merged);
      let check: string;
      let dbOk: boolean;
      if (p.anchor === 'pg-boss') {
        const left = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state <> 'completed'`, [queue])).rows[0]!.n;
        const completed = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'`, [queue])).rows[0]!.n;
        dbOk = left === p.jobs - completed && completed === merged.completed;
        check = `${completed} of ${p.jobs} jobs completed in pgboss.job, ${left} not completed`;
      } else {
        const left = (await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = $1`, [queue],
        )).rows[0]!.n;
        dbOk = left === p.jobs - merged.completed;
        check = `${left} jobs left in graphile_worker._private_jobs (completed jobs are deleted)`;
      }
      check += `; ${merged.completed} completions seen${m.timedOut ? `; stopped at the ${cfg.phaseTimeoutMs / 1000} s time cap` : ''}`;
      const valid = merged.errors === 0 && dbOk && (merged.completed === p.jobs || m.timedOut);
      const phase: ThroughputPhase = {
        key: p.key, system: p.anchor,
        label: p.anchor === 'pg-boss' ? `pg-boss ${anchorVersion('pg-boss')}, fetch + complete, batch ${p.batch}, ${p.concurrency} loops`
          : `Graphile Worker ${anchorVersion('graphile-worker')}, concurrency ${p.concurrency}`,
        concurrency: p.concurrency, batch: p.batch, jobs: p.jobs, completed: merged.completed, ...r,
        ...(p.anchor === 'pg-boss' ? { claimLatency: summarize(merged.claimMs), completeLatency: summarize(merged.completeMs) } : {}),
        cpu: m.cpu, counters: m.counters, statuses: merged.statuses, errors: merged.errors, errorSamples: merged.errorSamples,
        timedOut: m.timedOut, notes: [...(ready.notes ?? []), ...merged.notes], check, valid,
      };
      log(`${p.key}: ${r.rate.toFixed(0)} jobs/s${valid ? '' : ' — INVALID: ' + check}`);
      return phase;
    } finally {
      await w.stop();
    }
  };


  // ---- the throughput phases, the head-to-head comparisons next to each other in time ----
  const modeFor = (limit: number): CompleteMode => (limit === 1 ? 'single' : batchMode);
  log(`warm-up: ${cfg.warmupJobs} jobs, ${COMPARE_AT} executors, limit 1 (not reported)`);
  await jobplanePhase({ key: 'warmup', executors: COMPARE_AT, limit: 1, complete: 'single', jobs: cfg.warmupJobs, target: server });
  if (cfg.limits.length > 1) {
    await jobplanePhase({ key: 'warmup-batch', executors: COMPARE_AT, limit: BATCH, complete: batchMode, jobs: cfg.warmupJobs, target: server });
  }
  const jp = (executors: number, limit: number) =>
    jobplanePhase({ key: `jp-e${executors}-l${limit}`, executors, limit, complete: modeFor(limit), jobs: cfg.jobs, target: server });
  const order: Array<() => Promise<ThroughputPhase>> = [];
  const headToHead = cfg.executors.includes(COMPARE_AT);
  for (const limit of cfg.limits) {
    if (headToHead) order.push(() => jp(COMPARE_AT, limit));
    order.push(() => anchorPhase({ key: `pgboss-b${limit}`, anchor: 'pg-boss', batch: limit, concurrency: cfg.anchorConcurrency, jobs: cfg.jobs }));
    if (limit === 1) order.push(() => anchorPhase({ key: 'graphile-c' + cfg.anchorConcurrency, anchor: 'graphile-worker', batch: 1, concurrency: cfg.anchorConcurrency, jobs: cfg.jobs }));
  }
  for (const limit of cfg.limits) for (const n of cfg.executors) if (n !== COMPARE_AT) order.push(() => jp(n, limit));
  for (const step of order) throughput.push(await step());

  // ---- the profiled unbatched phase, on a second server started with --cpu-prof ----
  let profile: QueueRun['profile'];
  if (cfg.profile) {
    const profDir = join(dataDir, 'cpuprof');
    const profiled = await startServer('server-profiled', profDir);
    const phase = await jobplanePhase({ key: `jp-e${COMPARE_AT}-l1-profiled`, executors: COMPARE_AT, limit: 1, complete: 'single', jobs: cfg.jobs, target: profiled, profiled: true });
    phase.label += ' (server under --cpu-prof)';
    throughput.push(phase);
    await profiled.stop();
    const file = existsSync(profDir) ? readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).sort()[0] : undefined;
    if (file) {
      // The window: the phase's go to its last completion, on the clock V8's profile timestamps use.
      const win = phaseWindowUs.get(phase.key);
      profile = { phase: phase.key, summary: summarizeProfile(join(profDir, file), win, 30), own: inclusiveOwnFrames(join(profDir, file), win, 30) };
    } else log('no CPU profile was written');
  }

  // ---- create -> running with an idle operator (on an empty plane of its own) ----
  const latency = await createToRunning(server, tenant, cfg.latencySamples, registerExecutors);
  log(`create -> running: p50 ${latency.createToRunning.p50.toFixed(1)} ms, p99 ${latency.createToRunning.p99.toFixed(1)} ms (${latency.mismatches} mismatches)`);

  // ---- POST /jobs vs POST /jobs/{id}/run at 32 connections ----
  const http = await httpPhases(server, tenant, c, dbName, backendPids);

  // ---- the claim's plan on a big backlog ----
  let plan: QueueRun['plan'];
  if (cfg.planJobs > 0) plan = await planPhase(server, tenant, c, url, registerExecutors, procs[0]!, tree);

  await server.stop();
  const record: QueueRun = {
    at: new Date().toISOString(),
    conditions: {
      serverTree: tree.describe, cpu: cpuModel(), cores: cpuCount(),
      idle: { serverCores: idle.serverCores, backendsCores: idle.backendsCores, machineCores: idle.machineCores }, node: process.version, pg: settings, loadAtStart, loadAtEnd: loadAverage(),
      loadgen, loadgenNote: wrkFound ? 'wrk found on the PATH' : 'wrk is not installed on this machine (`which wrk` finds nothing): autocannon ran inside the bench process; CI installs wrk via apt',
      jobs: cfg.jobs, warmupJobs: cfg.warmupJobs, executorProcs: procCount, serverPool: cfg.serverPool,
      batchComplete: { mode: batchMode, why: batchWhy }, totalSeconds: (Date.now() - started) / 1000, serverStartSeconds,
      pgbossVersion: anchorVersion('pg-boss'), graphileVersion: anchorVersion('graphile-worker'), httpWarmupSeconds: cfg.warmup,
    },
    throughput, latency, http, ...(profile ? { profile } : {}), ...(plan ? { plan } : {}),
  };
  mkdirSync(cfg.resultsDir, { recursive: true });
  const historyFile = join(cfg.resultsDir, 'queue-runs.jsonl');
  appendFileSync(historyFile, `${JSON.stringify(record)}\n`);
  const history = readFileSync(historyFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as QueueRun);
  const out = join(cfg.resultsDir, 'queue.md');
  writeFileSync(out, renderQueueReport(record, history));
  log(`wrote ${out} (${record.conditions.totalSeconds.toFixed(0)} s in all)`);
  const bad = [...throughput.filter((p) => !p.valid).map((p) => p.key), ...http.filter((p) => !p.valid).map((p) => p.key)];
  if (bad.length) {
    log(`INVALID phases: ${bad.join(', ')}`);
    process.exitCode = 1;
  }
}

/** Each jobplane phase's window (go -> last completion) in µs of CLOCK_MONOTONIC, for the profile. */
const phaseWindowUs = new Map<string, { startUs: number; endUs: number }>();

/** A new data plane of the tenant's company, through the API. */
async function createPlane(baseUrl: string, token: string, name: string): Promise<string> {
  const http = new KeepAliveJson(baseUrl, token, 1);
  try {
    const r = await http.post('/data-planes', { display_name: name });
    if (r.status !== 201) throw new Error(`POST /data-planes: ${r.status} ${r.text.slice(0, 300)}`);
    return (JSON.parse(r.text) as { id: string }).id;
  } finally {
    http.close();
  }
}

type Register = (target: SpawnedServer, n: number, slots: number, key: string, planeId?: string) => Promise<string[]>;

/** Claims with limit 1 and completes until nothing is claimable: the queue is empty again after a mismatch. */
async function drainClaims(http: KeepAliveJson, executor: string, planeId: string): Promise<void> {
  for (;;) {
    const r = await http.post('/jobs/claim', { executor, data_plane_id: planeId, limit: 1 });
    const recs = (JSON.parse(r.text) as { records?: Array<{ job_id: string; attempt: number }> }).records ?? [];
    if (recs.length === 0) return;
    await http.post(`/jobs/${recs[0]!.job_id}/complete`, { executor, attempt: recs[0]!.attempt, result: {} });
  }
}

/**
 * Create -> running with an idle operator: one executor's claim long-polls (`wait_ms`); once it has been parked
 * for a random 20-50 ms, `POST /jobs` is sent on another connection, and the time from that send to the claim's
 * answer (carrying that job) is one sample. The executor then completes the job and parks its next claim.
 */
async function createToRunning(server: SpawnedServer, tenant: QueueTenant, samples: number, register: Register): Promise<LatencyProbe> {
  const planeId = await createPlane(server.url, tenant.token, 'bench-latency');
  const [executor] = await register(server, 1, 1, 'latency', planeId);
  const claimer = new KeepAliveJson(server.url, tenant.token, 1);
  const creator = new KeepAliveJson(server.url, tenant.token, 1);
  const idleMs: [number, number] = [20, 50];
  const warm = Math.min(20, samples);
  const lat: number[] = [];
  const create: number[] = [];
  let mismatches = 0;
  try {
    await Promise.all([claimer.get('/healthz'), creator.get('/healthz')]);
    log(`create -> running: ${warm} warm-up + ${samples} samples, the executor idle ${idleMs[0]}-${idleMs[1]} ms before each create`);
    for (let i = 0; i < warm + samples; i++) {
      const claimed = claimer.post('/jobs/claim', { executor, data_plane_id: planeId, limit: 1, wait_ms: 10_000 })
        .then((r) => ({ r, t: monoMs() }));
      await sleep(idleMs[0] + Math.random() * (idleMs[1] - idleMs[0]));
      const t0 = monoMs();
      const cr = await creator.post('/jobs', { type: NOOP_TYPE, input: {}, data_plane_id: planeId });
      const t1 = monoMs();
      if (cr.status !== 201) throw new Error(`POST /jobs: ${cr.status} ${cr.text.slice(0, 300)}`);
      const jobId = (JSON.parse(cr.text) as { job_id: string }).job_id;
      const { r, t } = await claimed;
      if (r.status !== 200) throw new Error(`POST /jobs/claim (wait_ms): ${r.status} ${r.text.slice(0, 300)}`);
      const recs = (JSON.parse(r.text) as { records: Array<{ job_id: string; attempt: number }> }).records;
      if (recs.length !== 1 || recs[0]!.job_id !== jobId) {
        mismatches++;
        for (const j of recs) await claimer.post(`/jobs/${j.job_id}/complete`, { executor, attempt: j.attempt, result: {} });
        await drainClaims(claimer, executor!, planeId);
        continue;
      }
      if (i >= warm) {
        lat.push(t - t0);
        create.push(t1 - t0);
      }
      const done = await claimer.post(`/jobs/${jobId}/complete`, { executor, attempt: recs[0]!.attempt, result: {} });
      if (done.status !== 200) throw new Error(`complete: ${done.status} ${done.text.slice(0, 300)}`);
    }
  } finally {
    claimer.close();
    creator.close();
  }
  return { createToRunning: summarize(lat), create: summarize(create), idleMs, mismatches };
}

/** `POST /jobs` (create) and then `POST /jobs/{id}/run` on distinct pending jobs, each at `connections`, same server. */
async function httpPhases(server: SpawnedServer, tenant: QueueTenant, c: pg.Client, dbName: string,
  backendPids: () => Promise<number[]>): Promise<HttpPhase[]> {
  const drive = driver(loadgen);
  const phases: HttpPhase[] = [];
  const measured = async (key: string, label: string, paths: string[], body: string) => {
    await sleep(1500);
    const before = await readCounters(c, dbName);
    const sampler = new CpuSampler([server.pid], backendPids);
    log(`${key}: measuring ${cfg.httpSeconds} s at ${cfg.connections} connections (${loadgen})`);
    const wall = performance.now();
    sampler.begin();
    const d = await drive({ urls: [server.url], connections: cfg.connections, seconds: cfg.httpSeconds, token: tenant.token, method: 'POST', paths, body });
    const usage = await sampler.end(d.driverCpuMs);
    const windowMs = performance.now() - wall;
    await sleep(1500);
    const counters = counterDelta(before, await readCounters(c, dbName));
    const cpu: PhaseCpu = {
      windowMs,
      procs: [
        { name: 'jobplane server', cpuMs: usage.serverCores * windowMs },
        { name: loadgen === 'wrk' ? 'wrk' : 'autocannon (in the bench process)', cpuMs: usage.driverCores * windowMs },
      ],
      backendsMs: usage.backendsCores * windowMs, machineCores: usage.machineCores, cores: usage.cores,
      ...(usage.serverRunqCores !== undefined ? { serverRunqCores: usage.serverRunqCores } : {}),
    };
    log(`${key}: ${d.result.rps.toFixed(0)} req/s, p50 ${d.result.p50.toFixed(1)} ms, p99 ${d.result.p99.toFixed(1)} ms, non-2xx ${d.result.non2xx}, errors ${d.result.errors}`);
    return { key, label, d, cpu, counters };
  };

  // Create: every request a new job (no idempotency key: the server makes one).
  const createBody = JSON.stringify({ type: NOOP_TYPE, input: {} });
  const createPaths = Array.from({ length: 100_000 }, () => '/jobs');
  const apiCreated = async () => (await c.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM jobs WHERE type = $1 AND idempotency_key NOT LIKE 'q-%'`, [NOOP_TYPE],
  )).rows[0]!.n;
  const createdBefore = await apiCreated();
  log(`POST /jobs: warm-up ${cfg.warmup} s`);
  const cw = await drive({ urls: [server.url], connections: cfg.connections, seconds: cfg.warmup, token: tenant.token, method: 'POST', paths: createPaths, body: createBody });
  const cm = await measured('http-create', '`POST /jobs` (create a no-op job)', createPaths, createBody);
  const created = (await apiCreated()) - createdBefore;
  const createOk = cw.result.ok2xx + cm.d.result.ok2xx;
  const createValid = cw.result.non2xx === 0 && cm.d.result.non2xx === 0 && cm.d.result.errors === 0 &&
    created >= createOk && created <= createOk + 2 * cfg.connections && !cm.d.exhausted;
  phases.push({
    key: cm.key, label: cm.label, connections: cfg.connections, seconds: cfg.httpSeconds, load: cm.d.result, cpu: cm.cpu, counters: cm.counters,
    check: `${created} jobs created, ${createOk} 2xx responses (warm-up included)`, valid: createValid,
  });

  // Run: distinct pending jobs seeded by SQL, each sent once; the pool is sized from the warm-up's rate.
  const shuffle = (a: string[]) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  let batchNo = 0;
  const moreRunIds = async (n: number) => {
    const ids = shuffle(await seedNoopJobs(c, tenant, { prefix: `q-run-${batchNo++}-`, count: n, events: true, returnIds: true }));
    await c.query('VACUUM ANALYZE jobs, job_events');
    return ids;
  };
  let ids = await moreRunIds(20_000);
  const executor = 'job-executor-98e1f48e-bf54-4f11-bbd1-73c445120266';
  const runBody = JSON.stringify({ executor });
  log(`POST /jobs/{id}/run: warm-up ${cfg.warmup} s`);
  const rw = await drive({ urls: [server.url], connections: cfg.connections, seconds: cfg.warmup, token: tenant.token, method: 'POST', paths: ids.map((id) => `/jobs/${id}/run`), body: runBody });
  ids = ids.slice(rw.pathsUsed);
  // Three times the warm-up's rate: the measured phase runs warm and went past 1.6 times it (2 December, the pool
  // ran out at 31,235 ids); unused ids cost only their seeding.
  const needed = Math.ceil((rw.result.ok2xx / rw.result.seconds) * cfg.httpSeconds * 3) + 4 * cfg.connections;
  if (ids.length < needed) {
    const more = await moreRunIds(needed - ids.length);
    for (const id of more) ids.push(id);
  }
  const rm = await measured('http-run', '`POST /jobs/{id}/run` (distinct pending no-op jobs)', ids.map((id) => `/jobs/${id}/run`), runBody);
  const runCheck = (await c.query<{ running: number; events: number }>(
    `SELECT count(*) FILTER (WHERE j.state = 'running')::int AS running,
            (SELECT count(*)::int FROM job_events e JOIN jobs k USING (job_id) WHERE k.idempotency_key LIKE 'q-run-%' AND e.action = 'run') AS events
       FROM jobs j WHERE j.idempotency_key LIKE 'q-run-%'`,
  )).rows[0]!;
  const runOk = rw.result.ok2xx + rm.d.result.ok2xx;
  const runValid = rw.result.non2xx === 0 && rm.d.result.non2xx === 0 && rm.d.result.errors === 0 && !rm.d.exhausted && !rw.exhausted &&
    runCheck.running >= runOk && runCheck.events === runCheck.running;
  phases.push({
    key: rm.key, label: rm.label, connections: cfg.connections, seconds: cfg.httpSeconds, load: rm.d.result, cpu: rm.cpu, counters: rm.counters,
    check: `${runCheck.running} jobs running with ${runCheck.events} run events, ${runOk} 2xx responses (warm-up included)${rm.d.exhausted ? ', **id pool exhausted**' : ''}`,
    valid: runValid,
  });
  return phases;
}

/**
 * 1M pending jobs (seeded by SQL, no events) on a data plane of their own, the claim explained on them, and claim
 * latency over HTTP at that backlog. A plane of their own: the claim is per plane, so what earlier phases left on the
 * default plane (finished history, the create phase's pending jobs) sits in the same table without being claimable.
 */
async function planPhase(server: SpawnedServer, tenant: QueueTenant, c: pg.Client, url: string, register: Register,
  proc: WorkerProcess, tree: ServerTree): Promise<NonNullable<QueueRun['plan']>> {
  const planeId = await createPlane(server.url, tenant.token, 'bench-plan');
  const onPlane = { ...tenant, planeId };
  const t0 = Date.now();
  const chunk = 100_000;
  // Bounded in time: on a loaded machine the backlog is what could be seeded in BENCH_PLAN_SEED_S (reported as such).
  for (let done = 0, i = 0; done < cfg.planJobs; i++) {
    if (Date.now() - t0 > cfg.planSeedMs) {
      log(`plan: seeding stopped at the ${cfg.planSeedMs / 1000} s cap with ${done} of ${cfg.planJobs} jobs`);
      break;
    }
    const n = Math.min(chunk, cfg.planJobs - done);
    await seedNoopJobs(c, onPlane, { prefix: `q-plan-${i}-`, count: n, events: false });
    done += n;
    log(`plan: ${done} of ${cfg.planJobs} pending jobs seeded (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  await c.query('VACUUM ANALYZE jobs');
  const seedSeconds = (Date.now() - t0) / 1000;
  const counts = (await c.query<{ pending: number; finished: number }>(
    `SELECT count(*) FILTER (WHERE state = 'pending' AND data_plane_id = $1)::int AS pending,
            count(*) FILTER (WHERE data_plane_id <> $1)::int AS finished FROM jobs`, [planeId],
  )).rows[0]!;
  const [executor] = await register(server, 1, BATCH, 'plan', planeId);
  const plans: ClaimPlans[] = [];
  for (const limit of [...new Set([1, BATCH])]) {
    log(`plan: explaining 7 claims of limit ${limit} (auto_explain, rolled back)`);
    plans.push(await captureClaimPlans(url, tree.jobClaim, { executor: executor!, dataPlaneId: planeId, limit, leaseMs: LEASE_MS, runs: 7 }));
  }
  const [probe] = await register(server, 1, 1, 'plan-http', planeId);
  await proc.request({
    kind: 'setup', baseUrl: server.url, token: tenant.token, planeId, executors: [probe!], limit: 1, complete: 'single', maxClaims: 300,
  }, 'ready', 60_000);
  const { stats } = await proc.request({ kind: 'go' }, 'done', 300_000);
  const claimAtBacklog = summarize(stats.claimMs.slice(20)); // the first claims warm this executor's path
  log(`plan: claim over HTTP with ${counts.pending} pending: p50 ${claimAtBacklog.p50.toFixed(1)} ms, p99 ${claimAtBacklog.p99.toFixed(1)} ms`);
  return { requested: cfg.planJobs, pending: counts.pending, finished: counts.finished, seedSeconds, plans, claimAtBacklog };
}

/** `--render`: queue.md again from the last run in queue-runs.jsonl (after a change to the report), nothing measured. */
function renderOnly(): void {
  const historyFile = join(cfg.resultsDir, 'queue-runs.jsonl');
  const history = readFileSync(historyFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as QueueRun);
  const last = history[history.length - 1];
  if (!last) throw new Error(`${historyFile} has no run`);
  writeFileSync(join(cfg.resultsDir, 'queue.md'), renderQueueReport(last, history));
  log(`re-rendered ${join(cfg.resultsDir, 'queue.md')} from the run of ${last.at}`);
}

try {
  if (flags.render) renderOnly();
  else await main();
} catch (err) {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanup.run();
  clearTimeout(watchdog);
}
