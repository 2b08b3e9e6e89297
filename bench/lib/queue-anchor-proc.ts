// A worker process of the queue benchmark running one anchor on the same PostgreSQL (its own schema of the bench
// database): pg-boss 10 (`fetch` + `complete`, the pull API that mirrors jobplane's claim + complete; not `work`) or
// Graphile Worker 0.17 (`run` with a no-op task). Jobs are inserted during setup, before `go`, as jobplane's are.
import PgBoss from 'pg-boss';
import { Logger, makeWorkerUtils, run, type Runner } from 'graphile-worker';
import { cpuMsSince, emptyStats, noteError, serveParent, type AnchorSetup, type WorkerStats } from './queue-ipc.js';
import { monoMs } from './queue-http.js';

const CHUNK = 1_000;

let setup: AnchorSetup | undefined;
let boss: PgBoss | undefined;
let runner: Runner | undefined;
let stopping = false;
let stopGraphile: (() => void) | undefined;

function done(s: WorkerStats, n: number): void {
  const t = monoMs();
  s.completed += n;
  s.firstDoneMs ??= t;
  s.lastDoneMs = t;
}

async function setupPgBoss(cfg: AnchorSetup): Promise<string[]> {
  // No supervisor (maintenance) and no scheduler: the phase measures fetch + complete only.
  boss = new PgBoss({
    connectionString: cfg.connectionString, schema: cfg.schema, max: cfg.concurrency + 2,
    supervise: false, schedule: false, migrate: true, application_name: 'bench-pgboss',
  });
  boss.on('error', (err: Error) => process.stderr.write(`pg-boss error: ${err.message}\n`));
  await boss.start();
  await boss.createQueue(cfg.queue);
  for (let i = 0; i < cfg.jobs; i += CHUNK) {
    const n = Math.min(CHUNK, cfg.jobs - i);
    await boss.insert(Array.from({ length: n }, () => ({ name: cfg.queue, data: {} })));
  }
  return [`pg-boss ${cfg.concurrency} fetch/complete loops in one process, pool max ${cfg.concurrency + 2}, batchSize ${cfg.batch}, supervise/schedule off`];
}

async function goPgBoss(cfg: AnchorSetup, s: WorkerStats): Promise<void> {
  const b = boss!;
  const loop = async () => {
    while (!stopping) {
      const t0 = monoMs();
      const jobs = await b.fetch(cfg.queue, { batchSize: cfg.batch });
      s.claimMs.push(monoMs() - t0);
      s.claims++;
      if (jobs.length === 0) {
        s.emptyClaims++;
        return;
      }
      s.claimed += jobs.length;
      const t1 = monoMs();
      if (jobs.length === 1) await b.complete(cfg.queue, jobs[0]!.id);
      else await b.complete(cfg.queue, jobs.map((j) => j.id));
      s.completeMs.push(monoMs() - t1);
      done(s, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: cfg.concurrency }, () => loop().catch((err: Error) => noteError(s, `pg-boss loop: ${err.message}`))));
}

/** Graphile Worker logs every completed job at info; its warnings and errors still reach the log file. */
const quietLogger = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning') process.stderr.write(`graphile-worker ${level}: ${message}\n`);
});

async function setupGraphile(cfg: AnchorSetup): Promise<string[]> {
  const utils = await makeWorkerUtils({ connectionString: cfg.connectionString, schema: cfg.schema, logger: quietLogger });
  try {
    await utils.migrate();
    for (let i = 0; i < cfg.jobs; i += CHUNK) {
      const n = Math.min(CHUNK, cfg.jobs - i);
      await utils.addJobs(Array.from({ length: n }, () => ({ identifier: cfg.queue, payload: {} })));
    }
  } finally {
    await utils.release();
  }
  return [`Graphile Worker run() concurrency ${cfg.concurrency}, pool max ${cfg.concurrency + 2}, defaults otherwise (no local queue, completions not batched), success logging off`];
}

async function goGraphile(cfg: AnchorSetup, s: WorkerStats): Promise<void> {
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => { resolveAll = r; });
  stopGraphile = resolveAll;
  // `run` starts its workers at once: they fetch the jobs inserted during setup.
  runner = await run({
    connectionString: cfg.connectionString, schema: cfg.schema, concurrency: cfg.concurrency, maxPoolSize: cfg.concurrency + 2,
    noHandleSignals: true, pollInterval: 2_000, logger: quietLogger,
    taskList: { [cfg.queue]: async () => {} },
  });
  runner.events.on('job:complete', ({ error }) => {
    // Fired when the task has returned and its completion is sent (not awaited: Graphile Worker's own order).
    if (error) noteError(s, `graphile job error: ${String(error)}`);
    else done(s, 1);
    if (s.completed >= cfg.jobs) resolveAll();
  });
  await all;
  // stop() waits for the workers and their pending completion writes.
  await runner.stop();
  runner = undefined;
  s.claimed = s.completed;
}

serveParent({
  async setup(msg) {
    if (!('anchor' in msg)) throw new Error('queue-anchor-proc: got an executor setup');
    setup = msg;
    stopping = false;
    if (msg.anchor === 'pg-boss') return setupPgBoss(msg);
    // Graphile Worker reads NO_LOG_SUCCESS when its module loads: the parent sets it in this process's env.
    if (!process.env['NO_LOG_SUCCESS']) throw new Error('NO_LOG_SUCCESS must be set for the Graphile Worker anchor');
    return setupGraphile(msg);
  },
  async go() {
    const cfg = setup;
    if (!cfg) throw new Error('go before setup');
    const s = emptyStats();
    const cpu0 = process.cpuUsage();
    s.goMs = monoMs();
    if (cfg.anchor === 'pg-boss') await goPgBoss(cfg, s);
    else await goGraphile(cfg, s);
    s.endMs = monoMs();
    s.cpuMs = cpuMsSince(cpu0);
    return s;
  },
  stop() {
    stopping = true;
    stopGraphile?.();
  },
  async exit() {
    await runner?.stop().catch(() => {});
    await boss?.stop({ graceful: false, wait: true }).catch(() => {});
  },
});
