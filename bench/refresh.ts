// Materialized-view refresh benchmark (`npm run bench:refresh`), two parts, both on PostgreSQL:
//
// 1. Scheduler: BENCH_VIEWS (1,000) views on `* * * * *`, two schedulers (each an API server's, with its own
//    connection pool) on one database, real clock, for BENCH_MINUTES (3) minutes. Per tick: the database time the
//    schedulers spent (sum of statement round trips, client side) and the wall time of the passes that acted; ticks
//    acted on more than 1 s after they fell due (refresh_ticks.late_ms, target 0); ticks acted on more than once
//    (must be 0). The inputs do not change, so each tick reuses the view's snapshot: one job per view per tick.
// 2. Incremental vs full: an input of BENCH_ROWS (10M) rows (Parquet written by DuckDB), a filter/projection view
//    over it twice (append for incremental refreshes, overwrite for full ones; EXTENDED_STATS = 'none'), then
//    BENCH_ROUNDS (3) rounds of: append 1% new rows, refresh incremental, refresh full. Time = the job's ended_at -
//    dequeued_at (the operator's run, claim to commit) on a real in-process API server and DuckDB operator.
//
// Writes bench/results/refresh.md and appends a JSON line to bench/results/refresh-runs.jsonl. Env:
//   BENCH_PG_URL (postgres://postgres@127.0.0.1:5432)  scratch databases are created there and dropped at the end
//   BENCH_VIEWS, BENCH_MINUTES, BENCH_ROWS, BENCH_ROUNDS, BENCH_PART (both | scheduler | incremental)
//   BENCH_SCHED_CONCURRENCY (1, as `jobplane serve`)  transactions each scheduler runs at once
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import pino from 'pino';
import { buildApp } from '../src/api/app.js';
import { CronSchedule } from '../src/core/cron-schedule.js';
import type { DatasetSchema } from '../src/core/dataset-schema.js';
import { startOperator } from '../src/plane/operator/index.js';
import { bootstrap } from '../src/store/bootstrap.js';
import { datasetCreate } from '../src/store/datasets.js';
import { PgDb } from '../src/store/db/pg.js';
import type { Db, Queryable, Transaction } from '../src/store/db/types.js';
import { migrate } from '../src/store/migrate.js';
import { scheduleUpsert } from '../src/store/refresh-schedules.js';
import { snapshotInsert } from '../src/store/snapshots.js';
import { tokenCreate } from '../src/store/tokens.js';
import { OPERATOR_PERMISSIONS } from '../src/core/permissions.js';
import { RefreshScheduler } from '../src/server/scheduler/refresh-scheduler.js';
import { cleanupOnExit } from './lib/cleanup.js';
import { createDatabase, databaseUrl, dropDatabase } from './lib/database.js';
import { envInt } from './lib/env.js';
import { cpuCount, cpuModel, loadAverage, percentile } from './lib/sys.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cfg = {
  views: envInt('BENCH_VIEWS', 1_000),
  minutes: envInt('BENCH_MINUTES', 3),
  rows: envInt('BENCH_ROWS', 10_000_000),
  rounds: envInt('BENCH_ROUNDS', 3),
  part: process.env['BENCH_PART'] ?? 'both',
  /** Transactions each scheduler runs at once; `jobplane serve` passes none, i.e. 1. */
  concurrency: envInt('BENCH_SCHED_CONCURRENCY', 1),
};
const log = (m: string) => process.stderr.write(`[bench:refresh] ${m}\n`);
const cleanup = cleanupOnExit(log);
const quiet = pino({ level: 'silent' });
const SCHEMA = { type: 'object', properties: { id: { type: 'long' }, kind: { type: 'string' }, v: { type: 'double' }, s: { type: 'string' } } } as unknown as DatasetSchema;
const loads: Array<{ at: string; load: string }> = [];
const markLoad = (at: string) => loads.push({ at, load: loadAverage() });

/** A Db whose statements are timed (round trips as the client sees them: the scheduler's database time). */
function timedDb(db: Db, acc: { ms: number; statements: number }): Db {
  const timed = (q: Queryable) => async <T>(text: string, values?: readonly unknown[]) => {
    const started = performance.now();
    try {
      return await q.query<T>(text, values);
    } finally {
      acc.ms += performance.now() - started;
      acc.statements++;
    }
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'query') return timed(target);
      if (prop === 'transaction') {
        return <T, R>(fn: (tx: Transaction) => Promise<T>) =>
          target.transaction<T, R>((tx) => fn({ query: timed(tx), rollback: (v: unknown) => tx.rollback(v) } as Transaction));
      }
      const value = (target as unknown as Record<string | symbol, unknown>)[prop];
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

interface SchedulerResult {
  views: number;
  concurrency: number;
  minutes: number;
  ticks: number;
  distinctTicks: number;
  duplicateTicks: number;
  late1s: number;
  lateMs: { p50: number; p99: number; max: number };
  perTick: Array<{ tick: string; views: number; dbMs: number; passWallMs: number; statements: number }>;
  jobs: number;
}

async function schedulerPart(): Promise<SchedulerResult> {
  const name = `jp_bench_refresh_sched_${process.pid}`;
  await dropDatabase(name);
  await createDatabase(name);
  cleanup.add('drop scheduler database', () => dropDatabase(name));
  const setupDb = new PgDb({ connectionString: databaseUrl(name), max: 4 });
  await migrate(setupDb);
  const boot = await bootstrap(setupDb);
  const input = (await datasetCreate(setupDb, {
    companyId: boot.companyId, dataPlaneId: boot.dataPlaneId, name: 'input', displayName: 'input', description: null, schema: SCHEMA,
    status: 'active', writeMode: 'append', tags: [], retentionPolicy: {}, materializedViewConfig: null,
  }))!;
  await snapshotInsert(setupDb, {
    snapshotId: 1, datasetId: input.id, parentSnapshotId: null, operation: 'append', rowCount: 1, bytes: 1, jobId: null, inputs: [],
    files: [{ path: `datasets/${input.id}/snapshots/1/part-0.parquet`, rows: 1, bytes: 1 }],
  });
  log(`creating ${cfg.views} views with schedules`);
  const first = new CronSchedule('* * * * *', 'UTC').next(new Date(Date.now() + 5_000))!;
  for (let i = 0; i < cfg.views; i++) {
    const view = (await datasetCreate(setupDb, {
      companyId: boot.companyId, dataPlaneId: boot.dataPlaneId, name: `view_${i}`, displayName: `view ${i}`, description: null, schema: SCHEMA,
      status: 'active', writeMode: 'append', tags: [], retentionPolicy: {},
      materializedViewConfig: {
        nql: `CREATE MATERIALIZED VIEW "view_${i}" AS SELECT "id" FROM company_data."${input.id}"`, compiled_sql: `SELECT "id" FROM "ds_${input.id}"`,
        dialect: 'duckdb', input_dataset_ids: [input.id], incremental: { eligible: true }, stats_enabled: false,
      } as never,
    }))!;
    await snapshotInsert(setupDb, {
      snapshotId: 1000 + i, datasetId: view.id, parentSnapshotId: null, operation: 'append', rowCount: 1, bytes: 1, jobId: null,
      inputs: [{ dataset_id: input.id, snapshot_id: 1 }], files: [{ path: `datasets/${view.id}/snapshots/${1000 + i}/part-0.parquet`, rows: 1, bytes: 1 }],
    });
    await scheduleUpsert(setupDb, boot.companyId, view.id, {
      cron: '* * * * *', cronZoneId: 'UTC', executionCluster: 'shared', statsEnabled: null, status: 'active', nextRunAt: first,
    });
  }
  await setupDb.query('ANALYZE');
  const acc = { ms: 0, statements: 0 };
  const passes: Array<{ at: number; wallMs: number; ticks: number; dbMs: number; statements: number }> = [];
  const servers = [0, 1].map(() => {
    const db = new PgDb({ connectionString: databaseUrl(name), max: 10 });
    cleanup.add('close server pool', () => db.close());
    const own = { ms: 0, statements: 0 };
    const s = new RefreshScheduler(timedDb(db, own), { intervalMs: 1_000, concurrency: cfg.concurrency }, quiet);
    const runOnce = s.runOnce.bind(s);
    s.runOnce = async (now?: Date) => {
      const before = { ...own };
      const started = performance.now();
      const pass = await runOnce(now);
      if (pass.ticks > 0) {
        passes.push({ at: Date.now(), wallMs: performance.now() - started, ticks: pass.ticks, dbMs: own.ms - before.ms, statements: own.statements - before.statements });
      }
      acc.ms += own.ms - before.ms;
      return pass;
    };
    return s;
  });
  const end = first.getTime() + cfg.minutes * 60_000 - 30_000;
  log(`two schedulers running from ${first.toISOString()} for ${cfg.minutes} minute(s)`);
  markLoad('scheduler start');
  for (const s of servers) s.start();
  while (Date.now() < end) await new Promise((r) => setTimeout(r, 1_000));
  for (const s of servers) await s.stop();
  markLoad('scheduler end');
  const ticks = await setupDb.query<{ tick_at: string; late_ms: number; outcome: string }>('SELECT tick_at::text, late_ms, outcome FROM refresh_ticks');
  const distinct = await setupDb.query<{ n: number }>('SELECT count(DISTINCT (dataset_id, tick_at))::int AS n FROM refresh_ticks');
  const jobs = await setupDb.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE type = 'materialize-view'`);
  const byTick = new Map<string, number>();
  for (const t of ticks) byTick.set(t.tick_at, (byTick.get(t.tick_at) ?? 0) + 1);
  // Passes of one minute: those that acted within 50 s after the minute's tick.
  const perTick = [...byTick.entries()].sort().map(([tick, views]) => {
    const t = Date.parse(tick.replace(' ', 'T').replace(/\+00$/, 'Z'));
    const mine = passes.filter((p) => p.at >= t && p.at < t + 50_000);
    return {
      tick: new Date(t).toISOString(), views,
      dbMs: mine.reduce((n, p) => n + p.dbMs, 0), passWallMs: Math.max(0, ...mine.map((p) => p.wallMs)), statements: mine.reduce((n, p) => n + p.statements, 0),
    };
  });
  const late = ticks.map((t) => t.late_ms).sort((a, b) => a - b);
  await setupDb.close();
  return {
    views: cfg.views, concurrency: cfg.concurrency, minutes: cfg.minutes, ticks: ticks.length, distinctTicks: distinct[0]!.n, duplicateTicks: ticks.length - distinct[0]!.n,
    late1s: late.filter((l) => l > 1_000).length, lateMs: { p50: percentile(late, 50), p99: percentile(late, 99), max: late.at(-1) ?? NaN },
    perTick, jobs: jobs[0]!.n,
  };
}

interface IncrementalResult {
  rows: number;
  appendRows: number;
  createFullMs: number;
  rounds: Array<{ incrementalMs: number; fullMs: number; ratio: number; incRows: number; fullRows: number; filesRead: number; rowsRead: number }>;
}

async function writeParquet(duck: Awaited<ReturnType<DuckDBInstance['connect']>>, file: string, from: number, to: number) {
  mkdirSync(path.dirname(file), { recursive: true });
  await duck.run(`COPY (SELECT i::BIGINT AS id, ['a','b','c'][i % 3 + 1] AS kind, i / 4.0 AS v, md5(i::VARCHAR) AS s
    FROM range(${from}, ${to}) t(i)) TO '${file}' (FORMAT parquet, COMPRESSION zstd)`);
  const [meta] = (await duck.runAndReadAll(`SELECT sum(num_rows)::BIGINT AS n FROM parquet_file_metadata('${file}')`)).getRowObjectsJson();
  const { statSync } = await import('node:fs');
  return { rows: Number(meta!['n']), bytes: statSync(file).size };
}

async function incrementalPart(): Promise<IncrementalResult> {
  const name = `jp_bench_refresh_inc_${process.pid}`;
  await dropDatabase(name);
  await createDatabase(name);
  cleanup.add('drop incremental database', () => dropDatabase(name));
  const storage = mkdtempSync(path.join(tmpdir(), 'jp-bench-refresh-'));
  cleanup.add('remove storage', () => rmSync(storage, { recursive: true, force: true }));
  const db = new PgDb({ connectionString: databaseUrl(name), max: 10 });
  cleanup.add('close pool', () => db.close());
  await migrate(db);
  const boot = await bootstrap(db);
  const app = await buildApp({ db, config: {} });
  await app.listen({ port: 0, host: '127.0.0.1' });
  cleanup.add('close app', () => app.close());
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const { token } = await tokenCreate(db, {
    companyId: boot.companyId, userId: null, name: 'bench operator', permissions: [...OPERATOR_PERMISSIONS], dataPlaneId: boot.dataPlaneId, expiresAt: null,
  });
  const operator = await startOperator({
    apiUrl: url, token, dataPlaneId: boot.dataPlaneId, storageRoot: storage, builtins: true, types: ['materialize-view'], slots: 1,
    claimWaitMs: 1_000, logger: quiet, orphanSweep: false,
  });
  cleanup.add('stop operator', () => operator.stop());
  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${url}${p}`, {
      method, headers: { authorization: `Bearer ${boot.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json() as any;
    if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const finished = async (jobId: string) => {
    for (;;) {
      const job = await api('GET', `/jobs/${jobId}`);
      if (job.state === 'completed') return job;
      if (job.state === 'failed' || job.state === 'cancelled') throw new Error(`job ${jobId} ${job.state}: ${JSON.stringify(job.failures)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const runMs = (job: any) => Date.parse(job.ended_at) - Date.parse(job.dequeued_at);

  const input = (await datasetCreate(db, {
    companyId: boot.companyId, dataPlaneId: boot.dataPlaneId, name: 'events', displayName: 'events', description: null, schema: SCHEMA,
    status: 'active', writeMode: 'append', tags: [], retentionPolicy: {}, materializedViewConfig: null,
  }))!;
  const instance = await DuckDBInstance.create(':memory:');
  const duck = await instance.connect();
  cleanup.add('close duckdb', () => { duck.closeSync(); instance.closeSync(); });
  let files: Array<{ path: string; rows: number; bytes: number }> = [];
  let parent: number | null = null;
  let next = 0;
  let sid = 1;
  const append = async (count: number) => {
    const snapshotId = sid++;
    const rel = `datasets/${input.id}/snapshots/${snapshotId}/part-0.parquet`;
    const written = await writeParquet(duck, path.join(storage, rel), next, next + count);
    next += count;
    files = [...files, { path: rel, ...written }];
    await snapshotInsert(db, {
      snapshotId, datasetId: input.id, parentSnapshotId: parent, operation: 'append', files, jobId: null, inputs: [],
      rowCount: files.reduce((n, f) => n + f.rows, 0), bytes: files.reduce((n, f) => n + f.bytes, 0),
    });
    parent = snapshotId;
  };
  log(`writing the ${cfg.rows}-row input`);
  await append(cfg.rows);
  const query = `SELECT "id", "kind", "v" * 2 AS "v2", "s" FROM company_data."${input.id}" WHERE "kind" <> 'c'`;
  const create = async (view: string, options: string) => {
    const run = await api('POST', '/nql/run', { nql: `CREATE MATERIALIZED VIEW "${view}" EXTENDED_STATS = 'none' ${options} AS ${query}` });
    return { id: run.input.dataset_id as number, job: await finished(run.id) };
  };
  markLoad('incremental start');
  log('creating the views (two full runs)');
  const inc = await create('inc_view', '');
  const full = await create('full_view', `WRITE_MODE = 'overwrite'`);
  const appendRows = Math.max(1, Math.round(cfg.rows / 100));
  const rounds: IncrementalResult['rounds'] = [];
  for (let r = 0; r < cfg.rounds; r++) {
    await append(appendRows);
    const i = await finished((await api('POST', `/datasets/${inc.id}/refresh-materialized-view`, { type: 'incremental' })).job_id);
    if (i.result.refresh?.type !== 'incremental') throw new Error(`the refresh did not run incrementally: ${JSON.stringify(i.result)}`);
    const f = await finished((await api('POST', `/datasets/${full.id}/refresh-materialized-view`, { type: 'full' })).job_id);
    const incRows = (await api('GET', `/datasets/${inc.id}/snapshots/${i.result.snapshot_id}`)).row_count;
    const fullRows = (await api('GET', `/datasets/${full.id}/snapshots/${f.result.snapshot_id}`)).row_count;
    rounds.push({
      incrementalMs: runMs(i), fullMs: runMs(f), ratio: runMs(i) / runMs(f), incRows, fullRows,
      filesRead: i.result.refresh.files_read, rowsRead: i.result.refresh.rows_read,
    });
    log(`round ${r + 1}: incremental ${runMs(i)} ms, full ${runMs(f)} ms, rows ${incRows} vs ${fullRows}`);
  }
  markLoad('incremental end');
  await operator.stop();
  return { rows: cfg.rows, appendRows, createFullMs: runMs(full.job), rounds };
}

function render(run: { at: string; scheduler?: SchedulerResult; incremental?: IncrementalResult }): string {
  const lines = [
    '# Refresh benchmark (`npm run bench:refresh`)',
    '',
    `Run ${run.at} on ${cpuModel()} (${cpuCount()} CPUs, shared with other work). Load average (1, 5, 15 min):`,
    '',
    ...loads.map((l) => `- ${l.at}: ${l.load}`),
    '',
    'How: `bench/refresh.ts` (header comment). PostgreSQL at BENCH_PG_URL, scratch databases dropped afterwards.',
    '',
  ];
  const s = run.scheduler;
  if (s) {
    const db = s.perTick.map((t) => t.dbMs).sort((a, b) => a - b);
    lines.push(
      `## Scheduler: ${s.views} views on \`* * * * *\`, two schedulers (API servers, ${s.concurrency} transaction(s) at once each) on one PostgreSQL, ${s.minutes} min of real time`,
      '',
      `- ticks acted on: ${s.ticks} (${s.perTick.length} minutes x ${s.views} views expected: ${s.perTick.length * s.views}); acted on twice: **${s.duplicateTicks}**`,
      `- ticks late by more than 1 s: **${s.late1s}** (target 0); lateness p50 ${s.lateMs.p50} ms, p99 ${s.lateMs.p99} ms, max ${s.lateMs.max} ms`,
      `- jobs created: ${s.jobs} (each tick reuses the view's snapshot: inputs unchanged)`,
      `- database time per tick (both servers, sum of statement round trips): median ${percentile(db, 50).toFixed(0)} ms, max ${db.at(-1)?.toFixed(0)} ms, i.e. ${(percentile(db, 50) / s.views).toFixed(2)} ms per view and tick`,
      '',
      '| tick | views | database ms | longest pass wall ms | statements |',
      '|---|---:|---:|---:|---:|',
      ...s.perTick.map((t) => `| ${t.tick} | ${t.views} | ${t.dbMs.toFixed(0)} | ${t.passWallMs.toFixed(0)} | ${t.statements} |`),
      '',
    );
  }
  const i = run.incremental;
  if (i) {
    const ratios = i.rounds.map((r) => r.ratio).sort((a, b) => a - b);
    lines.push(
      `## Incremental vs full: ${i.rows.toLocaleString('en-US')}-row input, +${i.appendRows.toLocaleString('en-US')} rows (1%) per round`,
      '',
      'View: `SELECT id, kind, v * 2 AS v2, s FROM input WHERE kind <> \'c\'` (2/3 of the rows), EXTENDED_STATS = \'none\'. Time: job ended_at - dequeued_at.',
      `The views' first (full) run: ${i.createFullMs} ms.`,
      '',
      '| round | incremental ms | full ms | ratio | files read | rows read | rows (incremental view) | rows (full view) |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...i.rounds.map((r, n) => `| ${n + 1} | ${r.incrementalMs} | ${r.fullMs} | ${r.ratio.toFixed(3)} | ${r.filesRead} | ${r.rowsRead} | ${r.incRows} | ${r.fullRows} |`),
      '',
      `Median ratio **${percentile(ratios, 50).toFixed(3)}x** (target <= 0.1x). Equal row counts in every round: ${i.rounds.every((r) => r.incRows === r.fullRows)}.`,
      '',
    );
  }
  return lines.join('\n');
}

async function main() {
  const at = new Date().toISOString();
  markLoad('start');
  const run: { at: string; scheduler?: SchedulerResult; incremental?: IncrementalResult } = { at };
  if (cfg.part !== 'incremental') run.scheduler = await schedulerPart();
  if (cfg.part !== 'scheduler') run.incremental = await incrementalPart();
  const dir = path.join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  appendFileSync(path.join(dir, 'refresh-runs.jsonl'), `${JSON.stringify({ ...run, loads, cfg })}\n`);
  writeFileSync(path.join(dir, 'refresh.md'), render(run));
  process.stdout.write(render(run));
}

main().then(() => cleanup.run(), async (err) => {
  log(`failed: ${(err as Error).stack ?? err}`);
  await cleanup.run();
  process.exitCode = 1;
});
