/**
 * `npm run test:chaos [-- --jobs N --operators N --slots N --lease-ms N --seed N --out file.md]`
 *
 * Jobs flow through several real `jobplane operator` processes while operators are SIGKILLed and SIGSTOPped and the
 * API server and a PostgreSQL of the run's own are restarted. Then the ledger (job_events) must show every job
 * completed exactly once, by the lease that was current: 0 lost, 0 double completions, 0 stale completions
 * accepted. Recovery times per fault are reported against the lease. Exit code 0 only if all of that holds.
 * The default (200 jobs, 8 faults, about two minutes) is the bounded run for CI; `--jobs 10000` is the benchmark
 * whose report is bench/results/chaos.md.
 *
 * The spawned processes run a JavaScript build of src/ made at the start (as the vitest suites do), not tsx; the
 * report records the machine's load average over the run (it is usually shared). After the last wave the run waits
 * for the backlog as long as jobs keep ending, and gives up only after DRAIN_STALL_MS without one.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildCli, CLI_BUILD_ENV, CLI_BUILDS_DIR, removeCliBuild } from '../support/cli-build.js';
import { ChaosCluster } from './cluster.js';
import { faultPlan, FAULT_LABELS, inject, type FaultContext, type FaultRecord } from './faults.js';
import { LedgerReader } from './ledger.js';
import { ThrowawayPostgres } from './pg-cluster.js';
import { passed, renderReport, type RunSummary } from './report.js';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '200' },
    operators: { type: 'string', default: '4' },
    slots: { type: 'string', default: '2' },
    'lease-ms': { type: 'string', default: '3000' },
    seed: { type: 'string' },
    out: { type: 'string' },
  },
});

const int = (name: string, text: string | undefined, min: number) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got "${text}"`);
  return n;
};
const JOBS = int('jobs', args.jobs, 1);
const OPERATORS = int('operators', args.operators, 2);
const SLOTS = int('slots', args.slots, 1);
const LEASE_MS = int('lease-ms', args['lease-ms'], 1000);
const HEARTBEAT_MS = Math.max(100, Math.floor(LEASE_MS / 6));
const MAINTENANCE_MS = 250;
/** How long each job sleeps, drawn per job: long enough that an operator is mid-job when it is hit. */
const JOB_MIN_MS = 50;
const JOB_MAX_MS = 1000;
const SEED = args.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : int('seed', args.seed, 0);

const started = Date.now();
const log = (msg: string) => process.stderr.write(`[chaos ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);

/** mulberry32: a small seeded PRNG, so that a run's plan and job durations can be replayed with --seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls until `check` returns a value, or undefined once `timeoutMs` passed (errors count as "not yet"). */
async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

/**
 * Compiles src/ and the test handlers to JavaScript once (test/support/cli-build.ts, as the vitest global setup does
 * for the suites), so that every process the run spawns, and every restart of the API server, starts from plain
 * JavaScript instead of loading tsx: on a loaded machine that is tens of seconds per spawn. Falls back to the
 * sources through tsx when the working tree does not build at this moment (someone's edit half-way).
 */
async function compiledCli(): Promise<string | undefined> {
  if (process.env['JOBPLANE_TEST_CLI'] === 'tsx' || process.env['JOBPLANE_TEST_CLI'] === 'dist') return undefined;
  const dir = path.join(CLI_BUILDS_DIR, `chaos-${process.pid}-${Date.now()}`);
  const unresolved = await buildCli(dir);
  if (unresolved.length > 0) {
    log(`spawned CLIs run the sources through tsx; the tree does not build now:\n  ${unresolved.join('\n  ')}`);
    await removeCliBuild(dir);
    return undefined;
  }
  process.env[CLI_BUILD_ENV] = dir;
  return dir;
}

/** The 1-minute load average, sampled every 5 s while the run lasts (the machine is shared: the report says how busy it was). */
function sampleLoad(): { stop: () => number[] } {
  const samples = [os.loadavg()[0]!];
  const timer = setInterval(() => samples.push(os.loadavg()[0]!), 5_000);
  timer.unref();
  return { stop: () => { clearInterval(timer); samples.push(os.loadavg()[0]!); return samples; } };
}

async function main(): Promise<number> {
  const random = prng(SEED);
  const load = sampleLoad();
  const cliBuild = await compiledCli();
  log(cliBuild ? `spawned CLIs run a JavaScript build in ${cliBuild}` : 'spawned CLIs run the TypeScript sources through tsx');
  const runId = `chaos-${SEED}-${Date.now().toString(36)}-`;
  const plan = faultPlan(JOBS, random);
  log(`seed ${SEED}: ${JOBS} jobs, ${OPERATORS} operators x ${SLOTS} slots, lease ${LEASE_MS} ms, ${plan.length} faults`);

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jobplane-chaos-'));
  const pg = await ThrowawayPostgres.create(await freePort());
  log(`PostgreSQL of our own on port ${pg.port}`);
  const cluster = new ChaosCluster({
    databaseUrl: pg.url, port: await freePort(), dataDir, slots: SLOTS, log,
    timing: { leaseMs: LEASE_MS, heartbeatMs: HEARTBEAT_MS, maintenanceMs: MAINTENANCE_MS },
  });
  const ledger = new LedgerReader(pg.url, runId);
  const everyOperator = new Set<ChaosCluster['operators'][number]['proc']>();
  const cleanup = async () => {
    await cluster.stop().catch(() => {});
    await ledger.close().catch(() => {});
    await pg.destroy().catch(() => {});
    await rm(dataDir, { recursive: true, force: true }).catch(() => {});
    if (cliBuild) await removeCliBuild(cliBuild).catch(() => {});
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

  try {
    await cluster.start(OPERATORS);
    log(`API on ${cluster.url}, ${cluster.operators.length} operators registered`);
    const ctx: FaultContext = { cluster, pg, ledger, leaseMs: LEASE_MS, log, waitFor };
    const faults: FaultRecord[] = [];
    const perWave = Math.ceil(JOBS / plan.length);
    let created = 0;
    const createJobs = async (n: number) => {
      const ids = Array.from({ length: Math.min(n, JOBS - created) }, () => created++);
      // A few at a time, each with its idempotency key, so that a create retried across a restart is still one job.
      for (let i = 0; i < ids.length; i += 8) {
        await Promise.all(ids.slice(i, i + 8).map((k) => cluster.api('POST', '/jobs', {
          type: 'test-sleep', input: { ms: JOB_MIN_MS + Math.floor(random() * (JOB_MAX_MS - JOB_MIN_MS)) }, idempotency_key: `${runId}${k}`, max_attempts: 100,
        })));
      }
    };

    const DRAIN_STALL_MS = Math.max(180_000, LEASE_MS * 30);
    const drain = async (): Promise<Record<string, number> | undefined> => {
      let lastEnded = -1;
      let lastProgressAt = Date.now();
      let lastLogAt = 0;
      for (;;) {
        const c = await ledger.counts().catch(() => undefined);
        if (c) {
          const open = (c['pending'] ?? 0) + (c['running'] ?? 0) + (c['pending_cancellation'] ?? 0);
          if (open === 0) return c;
          const ended = Object.values(c).reduce((a, b) => a + b, 0) - open;
          if (ended > lastEnded) {
            lastEnded = ended;
            lastProgressAt = Date.now();
          }
          if (Date.now() - lastLogAt >= 30_000) {
            lastLogAt = Date.now();
            log(`draining: ${JSON.stringify(c)}`);
          }
        }
        if (Date.now() - lastProgressAt > DRAIN_STALL_MS) {
          log(`drain stalled: no job ended for ${DRAIN_STALL_MS} ms`);
          return undefined;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    };

    for (const [i, kind] of plan.entries()) {
      // The wave arrives while the fault strikes: operators are busy with it when one of them is hit.
      const wave = createJobs(perWave);
      wave.catch(() => {}); // awaited below; meanwhile a failure must not be an unhandled rejection
      await waitFor(async () => ((await ledger.runningByExecutor()).size > 0 ? true : undefined), 60_000);
      for (const o of cluster.operators) everyOperator.add(o.proc);
      const fault = await inject(kind, ctx);
      for (const o of cluster.operators) everyOperator.add(o.proc);
      await wave;
      faults.push(fault);
      const counts = await waitFor(() => ledger.counts(), 60_000);
      log(`fault ${i + 1}/${plan.length} ${FAULT_LABELS[kind]}: ${fault.affected} jobs hit, recovery ` +
        `${fault.recoveryMs === null ? (fault.timedOut ? 'TIMED OUT' : 'n/a') : `${fault.recoveryMs} ms`}; jobs ${JSON.stringify(counts)}`);
    }
    await createJobs(JOBS - created);

    // Drain: every job ends (the slowest path: a job hit by the last faults waits out a lease and a backoff). The
    // backlog left by the waves drains at whatever rate the machine allows (a shared, loaded one is slow), so the
    // run waits as long as jobs keep ending, and gives up only when none has ended for DRAIN_STALL_MS.
    const drained = await drain();
    log(`drained: ${JSON.stringify(drained ?? await ledger.counts())}`);

    const summary: RunSummary = {
      jobMs: [JOB_MIN_MS, JOB_MAX_MS],
      command: `npm run test:chaos -- --jobs ${JOBS} --operators ${OPERATORS} --slots ${SLOTS} --lease-ms ${LEASE_MS} --seed ${SEED}`,
      seed: SEED, jobs: JOBS, operators: OPERATORS, slots: SLOTS, leaseMs: LEASE_MS, heartbeatMs: HEARTBEAT_MS,
      maintenanceMs: MAINTENANCE_MS, durationMs: Date.now() - started, faults, ledger: await ledger.read(),
      loadAverage: load.stop(), spawnedCli: cliBuild ? 'JavaScript build (esbuild, test/support/cli-build.ts)' : 'TypeScript sources through tsx',
      refusedStaleReports: [...everyOperator].reduce((n, p) => n + p.lines.filter((l) => /refused/.test(String(l.msg)) && l['code'] === 'stale_lease').length, 0),
    };
    const report = renderReport(summary);
    process.stdout.write(`${report}\n`);
    if (args.out) {
      await writeFile(args.out, report);
      log(`report written to ${args.out}`);
    }
    return passed(summary) ? 0 : 1;
  } catch (err) {
    // What the server was doing when the run went wrong: it is the usual suspect.
    log(`API server ${cluster.server?.running ? 'running' : `exited (${cluster.server?.child.exitCode ?? cluster.server?.child.signalCode})`}; stderr tail:\n${cluster.server?.stderr.slice(-3000) ?? ''}`);
    log(`its last log lines:\n${(cluster.server?.lines ?? []).slice(-10).map((l) => JSON.stringify(l).slice(0, 600)).join('\n')}`);
    throw err;
  } finally {
    await cleanup();
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  log(`chaos run failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(2);
});
