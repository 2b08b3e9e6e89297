// PostgreSQL's CPU per executor-path statement, on one connection, with nothing else running: the store's own claim
// batch (`jobClaimMany`, or `jobClaim` for one executor) and completion batch (`jobCompleteMany`), and a sequencer
// pass every 200 jobs, in a loop claim -> complete over B executors (limit 1 each). The backend's CPU comes from
// /proc/<pid>/schedstat (nanoseconds on a CPU) read around every statement, so what is measured is the statement's
// whole cost in its backend: bind, execution, commit. Run it for several B to split a statement's cost into its fixed
// part and its part per job (bench/results/queue.md, "By hand, 4 December").
//
//   npx tsx bench/queue-statements.ts            B=2, 4,000 jobs
//   B=8 N=8000 npx tsx bench/queue-statements.ts
//
// Env: B (executors per statement, 2), N (jobs measured, 4000; 400 more warm up first), BENCH_PG_URL
// (postgres://postgres@127.0.0.1:5432). Needs the PostgreSQL server on this machine (it reads /proc of the backend).
import pg from 'pg';
import type { Actor } from '../src/core/job.js';
import { bootstrap } from '../src/store/bootstrap.js';
import { PgDb } from '../src/store/db/pg.js';
import { eventsSequence } from '../src/store/events.js';
import { executorCreate, type Executor } from '../src/store/executors.js';
import { jobCompleteMany } from '../src/store/job-batches.js';
import { jobClaimMany, type ClaimOfExecutor } from '../src/store/job-claim-batches.js';
import { jobClaim } from '../src/store/job-claims.js';
import { migrate } from '../src/store/migrate.js';
import { createDatabase, databaseUrl, dropDatabase } from './lib/database.js';
import { envInt } from './lib/env.js';
import { seedNoopJobs } from './lib/queue-db.js';
import { schedstat } from './lib/sys.js';

const B = envInt('B', 2);
const N = envInt('N', 4000);
const WARMUP = 400;
const name = `jp_bench_statements_${process.pid}`;
const actor: Actor = { type: 'process', name: 'bench-queue-statements' };

await createDatabase(name);
try {
  const url = databaseUrl(name);
  const setup = new PgDb({ connectionString: url, max: 4 });
  await migrate(setup);
  const boot = await bootstrap(setup);
  const executors: Executor[] = [];
  for (let i = 0; i < B; i++) {
    executors.push(await executorCreate(setup, { dataPlaneId: boot.dataPlaneId, computePoolId: null, types: [], slots: 1, name: null }));
  }
  await setup.close();
  const seeder = new pg.Client({ connectionString: url });
  await seeder.connect();
  await seedNoopJobs(seeder, { token: '', companyId: boot.companyId, planeId: boot.dataPlaneId }, { prefix: 'stmt', count: N + WARMUP + B, events: true });
  await seeder.query('VACUUM ANALYZE');
  await seeder.end();

  // One connection: every statement runs in the backend whose CPU is read, prepared by name as the server's are.
  const db = new PgDb({ connectionString: url, max: 1 });
  const [{ pid } = { pid: 0 }] = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const cpuUs = () => {
    const s = schedstat(pid);
    if (!s) throw new Error(`no /proc/${pid}/schedstat: the backend must run on this machine`);
    return s[0] / 1000;
  };
  const spent = { claim: 0, complete: 0, sequence: 0 };
  let jobs = 0;
  const timed = async <T>(what: keyof typeof spent, measure: boolean, f: () => Promise<T>): Promise<T> => {
    const before = cpuUs();
    const out = await f();
    if (measure) spent[what] += cpuUs() - before;
    return out;
  };
  const loop = async (count: number, measure: boolean) => {
    for (let done = 0; done < count;) {
      const requests: ClaimOfExecutor[] = executors.map((e) => ({
        executor: e.id, dataPlaneId: boot.dataPlaneId, limit: 1, leaseMs: 3_600_000, companyId: boot.companyId, actor,
      }));
      // A batch of one is the one-executor statement, as the server's group commit sends it.
      const results = await timed('claim', measure, async () => (B === 1 ? [await jobClaim(db, requests[0]!, actor)] : jobClaimMany(db, requests)));
      const claimed = results.flatMap((r) => (r?.outcome === 'claimed' ? r.jobs : []));
      if (claimed.length === 0) throw new Error('the claim took nothing: the seeded backlog ran out or a claim was refused');
      await timed('complete', measure, () => jobCompleteMany(db, claimed.map((j) => ({
        jobId: j.job_id, scope: { companyId: boot.companyId }, actor, fence: { executor: j.executor!, attempt: j.attempt }, result: {},
      }))));
      const before = done;
      done += claimed.length;
      if (measure) jobs += claimed.length;
      if (Math.floor(before / 200) !== Math.floor(done / 200)) await timed('sequence', measure, () => eventsSequence(db));
    }
  };
  await loop(WARMUP, false);
  await loop(N, true);
  await db.close();
  const per = (us: number) => Math.round(us / jobs);
  console.log(JSON.stringify({
    executors_per_statement: B, jobs,
    backend_cpu_us_per_job: { claim: per(spent.claim), complete: per(spent.complete), sequencer: per(spent.sequence) },
    backend_cpu_us_per_statement: { claim: Math.round((spent.claim * B) / jobs), complete: Math.round((spent.complete * B) / jobs) },
  }));
} finally {
  await dropDatabase(name);
}
