// Renders bench/results/api.md from one run (plus the run history).
import type { DbCounters, ServerSettings } from './database.js';
import type { LoadResult } from './load.js';
import type { CpuUsage } from './sampler.js';
import type { ProfileSummary } from './cpuprofile.js';

export interface PhaseReport {
  key: string;
  label: string;
  kind: 'api' | 'pgbench';
  clients: number;
  seconds: number;
  mode?: string;
  load: LoadResult;
  cpu: CpuUsage;
  counters: DbCounters;
  check: string;
  valid: boolean;
  /** API `run` phases: the server's run batches over the measured window (from its /metrics). */
  batches?: { count: number; requests: number };
}

export interface RunRecord {
  at: string;
  profiled: boolean;
  conditions: {
    cpu: string; node: string; pg: string; pgbench: string; settings: ServerSettings;
    loadAtStart: string; loadAtEnd: string; jobs: number; pgbenchJobs: number; seconds: number; diagSeconds: number;
    warmup: number; connections: number; serverPool: number; servers?: number; loadgen?: 'wrk' | 'autocannon'; serverStartSeconds: number; seedSeconds: number; totalSeconds: number;
  };
  phases: PhaseReport[];
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : '–');
const pct = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : '–');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');

export const TARGET_RATIO = 0.5;
export const TARGET_P99_MS = 20;

export function verdict(r: RunRecord) {
  const find = (key: string) => r.phases.find((p) => p.key === key);
  const run = find('api-run');
  const limit = find('pgbench-limit');
  const ratio = run && limit ? run.load.rps / limit.load.rps : NaN;
  return {
    run, runUnbatched: find('api-run-unbatched'), get: find('api-get'), limit, runSql: find('pgbench-run-sql'), runSqlPrepared: find('pgbench-run-sql-prepared'),
    apiSqlPool: find('pgbench-api-sql-pool'), apiSql32: find('pgbench-api-sql-32'), runBatchSql: find('pgbench-run-batch'),
    ratio, ratioMet: ratio >= TARGET_RATIO, p99Met: (run?.load.p99 ?? Infinity) < TARGET_P99_MS,
  };
}

function phaseRow(p: PhaseReport): string {
  const perOp = (cores: number) => (p.load.rps > 0 ? int((cores * 1e6) / p.load.rps) : '–');
  const stmts = p.load.completed > 0 ? f2(p.counters.xactCommit / p.load.completed) : '–';
  // Only meaningful where the phase writes: GET's few background updates would divide by almost nothing.
  const syncs = p.counters.jobsUpdated > p.load.completed / 2 ? f2(p.counters.walSyncs / p.counters.jobsUpdated) : '–';
  const bad = p.kind === 'api' ? `${p.load.non2xx} / ${p.load.errors + p.load.timeouts}` : `– / ${p.load.errors}`;
  const label = p.batches?.count ? `${p.label}; ${int(p.batches.count)} batches of ${f2(p.batches.requests / p.batches.count)} requests on average` : p.label;
  return `| ${label} | ${p.clients} | ${p.seconds} s${p.mode ? `, -M ${p.mode}` : ''} | **${int(p.load.rps)}** | ${ms(p.load.p50)} | ${ms(p.load.p975)} | ${ms(p.load.p99)} | ${ms(p.load.max)} | ${bad} | ${stmts} | ${perOp(p.cpu.serverCores)} | ${perOp(p.cpu.backendsCores)} | ${f2(p.cpu.serverCores)}${p.cpu.serverRunqCores !== undefined ? ` (+${f2(p.cpu.serverRunqCores)} waiting)` : ''} / ${f2(p.cpu.backendsCores)} / ${f2(p.cpu.driverCores)} / ${f2(p.cpu.otherCores)} | ${f2(p.cpu.machineCores)} of ${p.cpu.cores} | ${syncs} |`;
}

function historyRow(r: RunRecord): string {
  const v = verdict(r);
  const n = (p?: PhaseReport) => int(p?.load.rps ?? NaN);
  return `| ${r.at.slice(0, 19).replace('T', ' ')} | ${r.conditions.loadAtStart.split(' ')[0]} | ${r.conditions.servers ?? 1} | ${r.conditions.loadgen ?? 'autocannon'} | ${n(v.run)} | ${n(v.runUnbatched)} | ${ms(v.run?.load.p50 ?? NaN)} | ${ms(v.run?.load.p99 ?? NaN)} | ${n(v.get)} | ${ms(v.get?.load.p99 ?? NaN)} | ${n(v.limit)} | ${n(v.runSql)} | ${n(v.runSqlPrepared)} | ${n(v.apiSqlPool)} | ${n(v.apiSql32)} | **${pct(v.ratio)}** | ${r.phases.every((p) => p.valid) ? 'yes' : '**no**'} |`;
}

/** Sentences computed from this run's figures; the interpretation that holds run to run is in ANALYSIS. */
function findings(r: RunRecord): string[] {
  const v = verdict(r);
  const out: string[] = [];
  const { run, get, limit, runSql, runSqlPrepared, apiSqlPool, apiSql32 } = v;
  if (!run) return out;
  const C = r.conditions.connections;
  const us = (cores: number, rate: number) => int((cores * 1e6) / rate);
  const of = (a?: PhaseReport, b?: PhaseReport) => (a && b ? pct(a.load.rps / b.load.rps) : '–');
  out.push(`**Queueing.** ${C} connections / ${int(run.load.rps)} req/s = ${ms((C / run.load.rps) * 1000)} ms per request by Little's law ` +
    `(measured p50 ${ms(run.load.p50)} ms): the latency is almost all waiting in front of the slowest stage, so p99 follows throughput.`);
  if (runSql && limit) {
    const off = v.runUnbatched;
    out.push(`**One statement per request would cap the ratio.** At the limit's ${limit.clients} clients and with no HTTP or Node in the way, ` +
      `the server's one-job \`run\` statement does ${int(runSql.load.rps)} tps unnamed (${of(runSql, limit)} of the limit) and ` +
      `${runSqlPrepared ? int(runSqlPrepared.load.rps) : '–'} prepared (${of(runSqlPrepared, limit)}); with the auth SELECT in front, ` +
      `${apiSql32 ? int(apiSql32.load.rps) : '–'} tps at ${C} clients (${of(apiSql32, limit)}). The API with batching off ` +
      `${off ? `does ${int(off.load.rps)} req/s (${of(off, limit)} of the limit)` : 'was not measured in this run'}; with batching on (the default) ` +
      `it writes ${batchText(run)} and does ${int(run.load.rps)} req/s (${of(run, limit)}).`);
  }
  if (v.runBatchSql) {
    out.push(`**Against its own batch statement.** pgbench running the server's batch statement (${v.runBatchSql.clients} clients, as many ` +
      `batches as the server keeps in flight) updates ${int(v.runBatchSql.load.rps)} jobs/s; the API's \`run\` reaches ${of(run, v.runBatchSql)} of that, ` +
      `the rest being HTTP, Fastify and Node per request. The limit's one row per transaction is the reference the brief sets; ` +
      `a batching server can pass it, since it pays a commit per batch, not per job.`);
  }
  if (get) {
    out.push(`**GET** (one SELECT, the token from the cache, nothing to flush) runs at ${int(get.load.rps)} req/s with the server at ${f2(get.cpu.serverCores)} cores ` +
      `and p99 ${ms(get.load.p99)} ms: even without a commit the API is bound by the CPU it gets.`);
  }
  return out;
}

const usPer = (p: PhaseReport | undefined, cores: (c: CpuUsage) => number) => (p ? int((cores(p.cpu) * 1e6) / p.load.rps) : '–');

function batchText(p?: PhaseReport): string {
  return p?.batches?.count ? `${f2(p.batches.requests / p.batches.count)} requests per statement on average` : 'one statement per request';
}

/** Where the time goes, and what is left: the reasoning is fixed, the numbers are this run's. */
function analysis(r: RunRecord, profile?: ProfileSummary): string {
  const v = verdict(r);
  const { run, runUnbatched: off, get, limit, runSqlPrepared } = v;
  const C = r.conditions.connections;
  const backend = (c: CpuUsage) => c.backendsCores;
  const server = (c: CpuUsage) => c.serverCores;
  const waiting = (p?: PhaseReport) => (p?.cpu.serverRunqCores !== undefined ? f2(p.cpu.serverRunqCores) : '–');
  const syncs = (p?: PhaseReport) => (p ? f2(p.counters.walSyncs / Math.max(1, p.counters.jobsUpdated)) : '–');
  const stmts = (p?: PhaseReport) => (p && p.load.completed > 0 ? f2(p.counters.xactCommit / p.load.completed) : '–');
  const pgShare = profile
    ? pct(profile.byArea.filter((a) => /^pg(-protocol|-pool)?$/.test(a.area)).reduce((t, a) => t + a.ms, 0) / Math.max(1, profile.busyMs - profile.writev.ms))
    : 'about a fifth';
  return `
### Where the time goes

1. **Group commit is what makes \`run\` fast.** The server writes concurrent \`run\` requests together
   (\`src/api/run-batcher.ts\`): ${batchText(run)}, ${stmts(run)} transactions per request, ${syncs(run)} WAL flushes
   per updated job. The database spends ${usPer(run, backend)} µs of CPU per request, against ${usPer(off, backend)} µs with
   batching off and ${usPer(limit, backend)} µs for the limit's bare UPDATE (the one-job statement prepared in pgbench:
   ${usPer(runSqlPrepared, backend)} µs): the round trip, the statement's fixed cost and the commit are paid once per batch, while
   every job still gets its own conditional update and its own event row.
2. **Without it, the server's one JavaScript thread is the bottleneck.** With batching off, \`run\` costs the server
   ${usPer(off, server)} µs of CPU per request and its thread spent ${waiting(off)} cores waiting for a CPU: each query written to a
   backend wakes that backend, which on a 2-core machine shared with ${limit?.clients ?? C} busy backends takes the CPU from the
   event loop (the profile bills it to \`writev\`). Batched, a request costs the server ${usPer(run, server)} µs and its thread
   waited ${waiting(run)} cores; the pg driver (RowDescription handling, parsing the 23-column rows) is still ${pgShare}
   of on-CPU JavaScript time (\`bench/results/api-profile.md\`, \`BENCH_PROFILE=1\`, profiles the batched \`run\` phase).
3. **Closed-loop convoys.** ${C} connections that each wait for their answer bunch up: a batch's answers go out together
   and come back together, so batches settle at about ${C} / 2 requests, each written by one backend on one core. Mean
   latency is ${C} / throughput (Little's law): ${run ? ms((C / run.load.rps) * 1000) : '–'} ms here.
4. **GET** (one SELECT, nothing to flush, nothing to batch) runs at ${get ? int(get.load.rps) : '–'} req/s with the server at
   ${get ? f2(get.cpu.serverCores) : '–'} cores: bound by the CPU its thread gets.
${run && run.load.p99 < TARGET_P99_MS
    ? `5. **p99 < ${TARGET_P99_MS} ms holds** at ${C} connections (${ms(run.load.p99)} ms). pgbench's own p99 for the bare UPDATE: ${limit ? ms(limit.load.p99) : '–'} ms.`
    : `5. **p99 is ${run ? ms(run.load.p99) : '–'} ms, over ${TARGET_P99_MS} ms**: pgbench's own p99 for the bare UPDATE is ${limit ? ms(limit.load.p99) : '–'} ms in the same run; the tail follows the machine's stalls (checkpoints, other processes) more than the server.`}

### What is left

1. **Node CPU per request** (${usPer(run, server)} µs for \`run\`, ${usPer(get, server)} µs for \`GET\`): Fastify's routing, hooks, validation and
   serialization, and the pg driver. Smaller rows (the 23-column job is parsed by pg and serialized again) would cut it.
2. **More server processes** pay only with spare cores; on this 2-vCPU VM two processes did worse than one (history).
3. **Operational, not code**: \`synchronous_commit=off\` (or \`commit_delay\`) trades the last few hundred ms of
   acknowledged transitions on a crash for more write throughput. A durability decision for operations.
`;
}

function loadgenText(g: 'wrk' | 'autocannon' | undefined): string {
  return g === 'wrk'
    ? 'wrk 4.1 (a separate process, 2 threads, a generated Lua script handing each request its own job id)'
    : 'autocannon (programmatic API, in the bench process)';
}

export function renderReport(r: RunRecord, history: RunRecord[], profile?: ProfileSummary): string {
  const c = r.conditions;
  const s = c.settings;
  const v = verdict(r);
  const lines: string[] = [];
  lines.push(`# API benchmark${r.profiled ? ' (profiled run: the server ran under --cpu-prof, so its figures are slower than normal)' : ''}`, '');
  lines.push('Produced by `npm run bench:api` (`bench/api.ts`). A real `jobplane serve --no-operator` process (spawned as ' +
    '`node --import tsx src/cli/main.ts serve`, `LOG_LEVEL=warn`) on a fresh PostgreSQL database created for the run and ' +
    `dropped after it; load from ${loadgenText(c.loadgen)}; "the limit" from pgbench on the same ` +
    'database in the same run. A second, idle server with `JOBPLANE_RUN_BATCH_MAX=1` serves the "batching off" row.', '');
  lines.push('## Conditions', '', '| | |', '|---|---|');
  lines.push(`| date | ${r.at} |`);
  lines.push(`| CPU | ${c.cpu} |`);
  lines.push(`| load average (1, 5, 15 min) | at start ${c.loadAtStart}; at end ${c.loadAtEnd} (a shared VM: other engineers' tests run on it) |`);
  lines.push(`| Node | ${c.node} |`);
  lines.push(`| PostgreSQL | ${s.version} (the machine's server on 127.0.0.1:5432, shared with other databases), ${c.pgbench} |`);
  lines.push(`| durability | fsync=${s.fsync}, synchronous_commit=${s.synchronousCommit}, wal_sync_method=${s.walSync}, commit_delay=${s.commitDelay}, full_page_writes=${s.fullPageWrites} |`);
  lines.push(`| other settings | shared_buffers=${s.sharedBuffers}, max_connections=${s.maxConnections}, checkpoint_timeout=${s.checkpointTimeout} |`);
  lines.push(`| seed (N) | ${int(c.jobs)} pending jobs for the API (each with its \`create\` event, as \`POST /jobs\` writes it) + ${int(c.pgbenchJobs)} for pgbench (numbered in a helper table \`bench_pgb(n, job_id)\`), all by SQL \`INSERT … SELECT generate_series\` through the real schema (every index, constraint and foreign key), each batch followed by \`VACUUM\`; pools start small and are topped up after each warm-up from its measured rate; ${c.seedSeconds.toFixed(1)} s in all. Token: \`jobs:read,jobs:write\` for company 1, made by the project's \`tokenCreate\` |`);
  lines.push(`| durations | ${c.warmup} s warm-up (not counted) + ${c.seconds} s measured for each API phase and for the limit (whose warm-up is a ${c.warmup} s pgbench run); ${c.diagSeconds} s for each diagnostic pgbench phase; server start ${c.serverStartSeconds.toFixed(0)} s; ${c.totalSeconds.toFixed(0)} s for the whole run. Order: GET (which also warms the code both routes share), \`run\`, then the pgbench phases. Leases of 1 h, so the server's maintenance never expires a benchmark job mid-run |`);
  lines.push(`| concurrency | ${c.connections} HTTP connections (${c.loadgen ?? 'autocannon'}, no pipelining) on ${c.servers ?? 1} server process${(c.servers ?? 1) > 1 ? 'es' : ''}, each with a pg pool of ${c.serverPool}; pgbench ${c.connections} clients (${c.serverPool} in the "server's pool" row), 2 threads |`);
  lines.push('');
  lines.push('## Results', '');
  lines.push('| workload | clients | measured | req/s or tps | p50 ms | p97.5 ms | p99 ms | max ms | non-2xx / errors | statements per op | server CPU µs/op | PG backend CPU µs/op | cores: server / backends / load generator / other | machine busy cores | WAL syncs per update |');
  lines.push('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|');
  for (const p of r.phases) lines.push(phaseRow(p));
  lines.push('');
  lines.push('- *statements per op*: committed transactions in the bench database (`pg_stat_database.xact_commit`) per completed request or pgbench transaction; every statement here is its own transaction.');
  lines.push('- *WAL syncs per update*: `pg_stat_wal.wal_sync` (cluster-wide) per row updated in `jobs`; below 1 means several commits shared one flush (group commit).');
  lines.push('- CPU from `/proc/<pid>/stat`, sampled every 250 ms: the server process, the backends connected to the bench database, the load generator; *other* = the rest of the machine. *waiting*: time the server\'s JavaScript thread was runnable but had no CPU (`/proc/<pid>/schedstat`), i.e. starved by the other processes.');
  lines.push(`- Latency percentiles: per response, ${c.loadgen === 'wrk' ? 'from wrk\'s histogram with its coordinated-omission correction undone (`bench/lib/load-wrk.ts`)' : 'from autocannon\'s timings'}; for pgbench from its per-transaction log (\`-l\`).`);
  lines.push('');
  lines.push('### Checks', '');
  for (const p of r.phases) if (p.check) lines.push(`- ${p.key}: ${p.check}`);
  const badSamples = r.phases.flatMap((p) => p.load.badSamples.map((b) => `${p.key}: ${b}`));
  for (const b of badSamples) lines.push(`- non-2xx sample: \`${b.replaceAll('`', "'")}\``);
  lines.push('');
  lines.push('## Verdict', '');
  lines.push(`- **\`run\` throughput / the limit: ${int(v.run?.load.rps ?? NaN)} / ${int(v.limit?.load.rps ?? NaN)} = ${pct(v.ratio)}** ` +
    `(target ≥ ${pct(TARGET_RATIO)}): **${v.ratioMet ? 'met' : 'NOT met'}**.`);
  if (v.runUnbatched && v.limit) {
    lines.push(`- With run batching off (one statement per request): ${int(v.runUnbatched.load.rps)} / ${int(v.limit.load.rps)} = ` +
      `${pct(v.runUnbatched.load.rps / v.limit.load.rps)}, p99 ${ms(v.runUnbatched.load.p99)} ms (for comparison; batching is the default).`);
  }
  lines.push(`- **\`run\` p99: ${ms(v.run?.load.p99 ?? NaN)} ms** (target < ${TARGET_P99_MS} ms): **${v.p99Met ? 'met' : 'NOT met'}**. ` +
    `\`GET\` p99: ${ms(v.get?.load.p99 ?? NaN)} ms.`);
  lines.push(`- Errors and non-2xx: ${r.phases.filter((p) => p.kind === 'api').map((p) => `${p.key} ${p.load.non2xx + p.load.errors + p.load.timeouts}`).join(', ')} (must be 0).`);
  lines.push('');
  lines.push('## Findings from this run', '');
  for (const f of findings(r)) lines.push(`- ${f}`);
  if (!r.profiled) lines.push(analysis(r, profile));
  if (profile) {
    const run = v.run;
    const writev = profile.writev.ms;
    lines.push('## CPU profile of the server (`--cpu-prof`, samples of the measured `run` phase only, idle excluded)', '');
    lines.push(`Samples span ${int(profile.windowMs)} ms: busy ${int(profile.busyMs)} ms, idle ${int(profile.idleMs)} ms. ` +
      `The process's CPU time over the phase (from /proc) was ${run ? f2(run.cpu.serverCores) : '–'} cores, i.e. about ` +
      `${run ? int(run.cpu.serverCores * profile.windowMs) : '–'} ms: V8's profiler samples wall-clock time, so when the main thread ` +
      'is runnable but descheduled (a loaded machine), the wait is billed to whatever frame was on the stack. `writev` is the socket ' +
      `write that wakes the peer up (${int(profile.writev.pgMs)} ms sending a query to a PostgreSQL backend, ${int(profile.writev.httpMs)} ms ` +
      'sending a response to the load generator): the scheduler switches to the woken process right there, so its ' +
      `${int(writev)} ms are mostly time off the CPU. (The /proc figure also counts kernel time and V8's helper threads, which ` +
      'the profile does not sample.) Shares below are of the busy time; the "w/o writev" column removes it.', '');
    const rest = Math.max(1, profile.busyMs - writev);
    lines.push('| area (self time) | ms | share | share w/o writev |', '|---|---:|---:|---:|');
    for (const a of profile.byArea) lines.push(`| ${a.area} | ${int(a.ms)} | ${pct(a.share)} | ${a.area === '(native/V8)' ? pct((a.ms - writev) / rest) : pct(a.ms / rest)} |`);
    lines.push('', '| function (self time) | ms | share | share w/o writev |', '|---|---:|---:|---:|');
    for (const f of profile.byFunction) {
      lines.push(`| \`${f.fn.replaceAll('|', '\\|')}\` | ${int(f.ms)} | ${pct(f.share)} | ${f.fn === 'writev' ? '–' : pct(f.ms / rest)} |`);
    }
    lines.push('');
  }
  const past = history.filter((h) => !h.profiled).slice(-10);
  if (past.length) {
    lines.push('## Run history (bench/results/api-runs.jsonl, last 10)', '');
    lines.push('| at (UTC) | load 1 min | servers | load generator | run req/s | run req/s, batching off | run p50 | run p99 | GET req/s | GET p99 | limit tps | run SQL tps | run SQL prepared tps | auth+run SQL tps, pool | auth+run SQL tps, 32 | run / limit | checks ok |');
    lines.push('|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const h of past) lines.push(historyRow(h));
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
