// Renders bench/results/queue.md from one `npm run bench:queue` run (plus the run history): every figure of the run
// next to its anchor, the targets as ratios, CPU and database work per job, latency, the profile and the claim's plan.
import type { HttpPhase, PhaseCpu, Pct, QueueRun, ThroughputPhase } from './queue-record.js';
import type { ClaimPlans } from './queue-plan.js';

const int = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const ms = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : '–');
const f2 = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? n.toFixed(2) : '–');
const pct = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : '–');
const ratio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');
const esc = (s: string) => s.replaceAll('|', '\\|');

export const TARGETS = {
  unbatchedVsPgboss: 3,
  unbatchedVsGraphile: 0.5,
  batchedVsPgboss: 1,
  batchedVsGraphile: 1,
  claimP99Ms: 10,
  createToRunningP99Ms: 50,
  createVsRun: 0.5,
};

/** The phases the targets compare, found by key. */
export function keyPhases(r: QueueRun) {
  const find = (pred: (p: ThroughputPhase) => boolean) => r.throughput.find((p) => !p.profiled && p.key !== 'warmup' && p.key !== 'warmup-batch' && pred(p));
  const jp = (n: number, l: number) => find((p) => p.system === 'jobplane' && p.concurrency === n && p.batch === l);
  const limits = [...new Set(r.throughput.filter((p) => p.system === 'jobplane' && !p.key.startsWith('warmup')).map((p) => p.batch))];
  const batch = Math.max(...limits);
  const anchorC = r.throughput.find((p) => p.system === 'graphile-worker')?.concurrency ?? 8;
  return {
    batch, anchorC,
    unbatched: jp(anchorC, 1), batched: jp(anchorC, batch), one1: jp(1, 1), oneB: jp(1, batch),
    pgboss1: find((p) => p.system === 'pg-boss' && p.batch === 1), pgbossB: find((p) => p.system === 'pg-boss' && p.batch === batch),
    graphile: find((p) => p.system === 'graphile-worker'),
    create: r.http.find((h) => h.key === 'http-create'), run: r.http.find((h) => h.key === 'http-run'),
  };
}

function cpuTotal(cpu: PhaseCpu, jobs: number) {
  const procMs = cpu.procs.filter((p) => !p.name.startsWith('bench (')).reduce((a, p) => a + p.cpuMs, 0);
  const totalMs = procMs + cpu.backendsMs;
  const perJobUs = jobs > 0 ? (totalMs * 1000) / jobs : NaN;
  return { totalMs, perJobUs, ceiling: perJobUs > 0 ? (cpu.cores * 1e6) / perJobUs : NaN };
}

function verdictRows(r: QueueRun): string[] {
  const k = keyPhases(r);
  const rows: string[] = ['| target | jobplane | anchor / reference | ratio | required | met |', '|---|---:|---:|---:|---:|---|'];
  const met = (ok: boolean, have: boolean) => (!have ? '–' : ok ? '**met**' : '**not met**');
  const cmp = (name: string, a: ThroughputPhase | undefined, b: ThroughputPhase | undefined, need: number) => {
    const rt = a && b ? a.rate / b.rate : NaN;
    rows.push(`| ${name} | ${int(a?.rate)} jobs/s | ${int(b?.rate)} jobs/s | ${ratio(rt)} | ≥ ${need.toFixed(1)}× | ${met(rt >= need, Number.isFinite(rt))} |`);
  };
  cmp(`unbatched (${k.anchorC} executors, limit 1, one completion per request) vs pg-boss batch 1`, k.unbatched, k.pgboss1, TARGETS.unbatchedVsPgboss);
  cmp(`unbatched vs Graphile Worker (concurrency ${k.anchorC})`, k.unbatched, k.graphile, TARGETS.unbatchedVsGraphile);
  cmp(`batched (${k.anchorC} executors, limit ${k.batch}, ${k.batched?.complete === 'batch' ? 'POST /jobs/complete' : `${k.batch} concurrent completes`}) vs pg-boss batch ${k.batch}`, k.batched, k.pgbossB, TARGETS.batchedVsPgboss);
  cmp('batched vs Graphile Worker', k.batched, k.graphile, TARGETS.batchedVsGraphile);
  const grow = (name: string, a: ThroughputPhase | undefined, b: ThroughputPhase | undefined) => {
    const rt = a && b ? b.rate / a.rate : NaN;
    rows.push(`| ${name} | ${int(a?.rate)} → ${int(b?.rate)} jobs/s | – | ${ratio(rt)} | > 1.0× | ${met(rt > 1, Number.isFinite(rt))} |`);
  };
  grow(`throughput grows from 1 to ${k.anchorC} executors (limit 1)`, k.one1, k.unbatched);
  grow(`throughput grows from 1 to ${k.anchorC} executors (limit ${k.batch})`, k.oneB, k.batched);
  const p99 = k.unbatched?.claimLatency?.p99;
  rows.push(`| claim p99 at ${k.anchorC} executors (limit 1) | ${ms(p99)} ms | 1 executor: ${ms(k.one1?.claimLatency?.p99)} ms | – | < ${TARGETS.claimP99Ms} ms | ${met((p99 ?? Infinity) < TARGETS.claimP99Ms, p99 !== undefined)} |`);
  const c2r = r.latency?.createToRunning.p99;
  rows.push(`| create → running p99, idle operator (long-poll claim) | ${ms(c2r)} ms | p50 ${ms(r.latency?.createToRunning.p50)} ms | – | < ${TARGETS.createToRunningP99Ms} ms | ${met((c2r ?? Infinity) < TARGETS.createToRunningP99Ms, c2r !== undefined)} |`);
  const cr = k.create && k.run ? k.create.load.rps / k.run.load.rps : NaN;
  rows.push(`| \`POST /jobs\` vs \`POST /jobs/{id}/run\`, ${k.create?.connections ?? 32} connections (issue 11 item 3) | ${int(k.create?.load.rps)} req/s | run: ${int(k.run?.load.rps)} req/s | ${ratio(cr)} | ≥ ${TARGETS.createVsRun.toFixed(1)}× | ${met(cr >= TARGETS.createVsRun, Number.isFinite(cr))} |`);
  return rows;
}

function completionLabel(p: ThroughputPhase): string {
  if (p.system === 'pg-boss') return p.batch === 1 ? '`complete(id)`' : '`complete([ids])`';
  if (p.system === 'graphile-worker') return 'task returns (default: unbatched)';
  if (p.complete === 'batch') return '`POST /jobs/complete` (list)';
  if (p.complete === 'concurrent') return `${p.batch} concurrent \`POST /jobs/{id}/complete\``;
  return '`POST /jobs/{id}/complete`';
}

function pctCell(p: Pct | undefined): string {
  return p && p.n > 0 ? `${ms(p.p50)} / ${ms(p.p99)}` : '–';
}

function throughputTable(r: QueueRun): string[] {
  const rows = [
    '| phase | executors / loops | claim limit / batch | completion | jobs | **jobs/s** (first → last completion) | jobs/s from go | claim ms p50 / p99 | complete ms p50 / p99 | valid |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const p of r.throughput) {
    rows.push(`| ${esc(p.label)}${p.key.startsWith('warmup') ? ' (warm-up)' : ''} | ${p.concurrency} | ${p.batch} | ${completionLabel(p)} | ${int(p.completed)}${p.completed < p.jobs ? ` of ${int(p.jobs)} (time cap)` : ''} | **${int(p.rate)}** | ${int(p.rateFromGo)} | ${pctCell(p.claimLatency)} | ${pctCell(p.completeLatency)} | ${p.valid ? 'yes' : '**no**'} |`);
  }
  return rows;
}

/** Busy cores of the machine not explained by the run's own processes and backends: other users of the VM. */
function othersCores(cpu: PhaseCpu): number {
  const ours = cpu.procs.reduce((a, p) => a + p.cpuMs, 0) + cpu.backendsMs;
  return Math.max(0, cpu.machineCores - ours / Math.max(1, cpu.windowMs));
}

/** Says so at the top when other users of the VM took most of it during the phases: absolute figures then mean little. */
function machineWarning(r: QueueRun): string[] {
  const phases = r.throughput.filter((p) => !p.key.startsWith('warmup'));
  if (phases.length === 0) return [];
  const others = phases.reduce((a, p) => a + othersCores(p.cpu), 0) / phases.length;
  const cores = phases[0]!.cpu.cores;
  if (others < 0.25 * cores) return [];
  return [
    `> **This run's machine was saturated by other work**: during the throughput phases other processes of the VM used ${f2(others)} of its ${cores} cores on average ` +
    `(load average ${r.conditions.loadAtStart.split(' ')[0]} at the start), leaving this run a fraction of the machine. Every figure is depressed, and the ratios are distorted ` +
    'against jobplane, whose job crosses three processes (executor, server, backend) where an anchor\'s crosses two, each hop waiting for a CPU. ' +
    'Read the per-job CPU and database work (less sensitive to contention) before the rates, and re-run on a quiet machine for the verdict.', '',
  ];
}

function cpuTable(r: QueueRun): string[] {
  const rows = [
    '| phase | jobs/s | requests / job | server µs/job (µs/request) | worker processes µs/job (each) | PG backends µs/job | **total µs/job** | CPU ceiling jobs/s (cores ÷ total) | machine busy cores (others\' share) | server thread waiting for a CPU |',
    '|---|---:|---:|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const p of r.throughput) {
    const per = (cpuMs: number) => (p.completed > 0 ? int((cpuMs * 1000) / p.completed) : '–');
    const server = p.cpu.procs.find((x) => x.name === 'jobplane server');
    const workers = p.cpu.procs.filter((x) => x.name !== 'jobplane server' && !x.name.startsWith('bench ('));
    const t = cpuTotal(p.cpu, p.completed);
    const requests = (p.claimLatency?.n ?? 0) + (p.completeLatency?.n ?? 0);
    const perReq = server && requests > 0 ? ` (${int((server.cpuMs * 1000) / requests)})` : '';
    rows.push(`| ${esc(p.label)}${p.key.startsWith('warmup') ? ' (warm-up)' : ''} | ${int(p.rate)} | ${requests > 0 ? f2(requests / Math.max(1, p.completed)) : '–'} | ${server ? per(server.cpuMs) : '–'}${perReq} | ${workers.map((w) => `${w.name}: ${per(w.cpuMs)}`).join(', ')} | ${per(p.cpu.backendsMs)} | **${int(t.perJobUs)}** | ${int(t.ceiling)} | ${f2(p.cpu.machineCores)} of ${p.cpu.cores} (${f2(othersCores(p.cpu))}) | ${p.cpu.serverRunqCores !== undefined ? `${f2(p.cpu.serverRunqCores)} cores` : '–'} |`);
  }
  return rows;
}

const JP_TABLES = ['public.jobs', 'public.job_events', 'public.executors', 'public.access_tokens', 'public.data_planes', 'public.compute_pools'];

function dbTable(r: QueueRun): string[] {
  const rows = [
    '| phase | transactions / job | WAL flushes / job (cluster-wide) | WAL kB / job | group-commit statements / job (requests per statement) | table scans / job (index + seq) | rows inserted / updated / deleted per job |',
    '|---|---:|---:|---:|---|---|---|',
  ];
  for (const p of r.throughput) {
    const n = Math.max(1, p.completed);
    const c = p.counters;
    const tables = Object.entries(c.tables)
      .filter(([name]) => p.system !== 'jobplane' || JP_TABLES.includes(name))
      .sort((a, b) => (b[1].idxScan + b[1].seqScan) - (a[1].idxScan + a[1].seqScan));
    const scans = tables.filter(([, t]) => t.idxScan + t.seqScan > 0).slice(0, 5)
      .map(([name, t]) => `${name.replace(/^public\./, '')} ${f2((t.idxScan + t.seqScan) / n)}`).join(', ');
    const writes = tables.filter(([, t]) => t.ins + t.upd + t.del > 0).slice(0, 5)
      .map(([name, t]) => `${name.replace(/^public\./, '')} ${f2(t.ins / n)} / ${f2(t.upd / n)} / ${f2(t.del / n)}`).join(', ');
    const batches = Object.entries(p.writeBatches ?? {})
      .map(([kind, b]) => `${kind} ${f2(b.statements / n)} (${f2(b.requests / Math.max(1, b.statements))})`).join(', ');
    rows.push(`| ${esc(p.label)}${p.key.startsWith('warmup') ? ' (warm-up)' : ''} | ${f2(c.xactCommit / n)} | ${f2(c.walSyncs / n)} | ${f2(c.walBytes / n / 1024)} | ${batches || '–'} | ${scans || '–'} | ${writes || '–'} |`);
  }
  return rows;
}

function latencyTable(r: QueueRun): string[] {
  const rows = ['| what | samples | avg ms | p50 ms | p90 ms | p99 ms | max ms |', '|---|---:|---:|---:|---:|---:|---:|'];
  const row = (name: string, p: Pct | undefined) => {
    if (p && p.n > 0) rows.push(`| ${name} | ${int(p.n)} | ${ms(p.avg)} | ${ms(p.p50)} | ${ms(p.p90)} | ${ms(p.p99)} | ${ms(p.max)} |`);
  };
  if (r.latency) {
    row(`**create → running**, idle operator: \`POST /jobs\` sent → the executor's parked \`POST /jobs/claim {wait_ms}\` answers with it`, r.latency.createToRunning);
    row('`POST /jobs` request alone (same samples)', r.latency.create);
  }
  for (const p of r.throughput) {
    if (p.key.startsWith('warmup')) continue;
    row(`claim request (${p.system === 'pg-boss' ? '`fetch`' : '`POST /jobs/claim`'}), ${esc(p.label)}`, p.claimLatency);
  }
  if (r.plan?.claimAtBacklog) row(`\`POST /jobs/claim\` limit 1, 1 executor, ${int(r.plan.pending)} pending jobs`, r.plan.claimAtBacklog);
  return rows;
}

function httpTable(r: QueueRun): string[] {
  const rows = [
    '| workload | connections | measured | req/s | p50 ms | p99 ms | max ms | non-2xx / errors | transactions / req | server µs/req | PG backends µs/req | load generator µs/req | machine busy cores | check |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const h of r.http) {
    const n = Math.max(1, h.load.completed);
    const per = (cpuMs: number) => int((cpuMs * 1000) / n);
    const server = h.cpu.procs[0];
    const gen = h.cpu.procs[1];
    rows.push(`| ${h.label} | ${h.connections} | ${h.seconds} s | **${int(h.load.rps)}** | ${ms(h.load.p50)} | ${ms(h.load.p99)} | ${ms(h.load.max)} | ${h.load.non2xx} / ${h.load.errors + h.load.timeouts} | ${f2(h.counters.xactCommit / n)} | ${server ? per(server.cpuMs) : '–'} | ${per(h.cpu.backendsMs)} | ${gen ? per(gen.cpuMs) : '–'} | ${f2(h.cpu.machineCores)} | ${h.check}${h.valid ? '' : ' — **INVALID**'} |`);
  }
  return rows;
}

function profileSection(r: QueueRun): string[] {
  if (!r.profile) return [];
  const { summary: s, own } = r.profile;
  const phase = r.throughput.find((p) => p.key === r.profile!.phase);
  const serverMs = phase?.cpu.procs.find((p) => p.name === 'jobplane server')?.cpuMs;
  const rest = Math.max(1, s.busyMs - s.writev.ms);
  const out = [
    `## CPU profile of the server, unbatched case (\`--cpu-prof\`, phase \`${r.profile.phase}\`: ${phase ? `${phase.concurrency} executors, limit 1, ${int(phase.rate)} jobs/s under the profiler` : ''})`, '',
    `Samples of the phase only (go → last completion) span ${int(s.windowMs)} ms: busy ${int(s.busyMs)} ms, idle ${int(s.idleMs)} ms. ` +
    `The process's CPU time over the phase (from /proc) was ${int(serverMs)} ms. V8 samples wall-clock time: when the main thread is runnable but has no CPU ` +
    `(2 cores shared with PostgreSQL and the executors), the wait is billed to the frame on the stack, usually \`writev\` (the socket write that wakes a peer: ` +
    `${int(s.writev.pgMs)} ms writing to PostgreSQL, ${int(s.writev.httpMs)} ms writing HTTP responses). Shares are of busy time; "w/o writev" removes it.`, '',
    '| area (self time) | ms | share | share w/o writev |', '|---|---:|---:|---:|',
    ...s.byArea.slice(0, 15).map((a) => `| ${a.area} | ${int(a.ms)} | ${pct(a.share)} | ${a.area === '(native/V8)' ? pct((a.ms - s.writev.ms) / rest) : pct(a.ms / rest)} |`),
    '', '| function (self time) | ms | share | share w/o writev |', '|---|---:|---:|---:|',
    ...s.byFunction.slice(0, 20).map((f) => `| \`${esc(f.fn)}\` | ${int(f.ms)} | ${pct(f.share)} | ${f.fn === 'writev' ? '–' : pct(f.ms / rest)} |`),
    '', 'Our own functions by inclusive time (the frame and everything it called synchronously; async continuations are billed to the function that resumed, so a route handler\'s `await`ed store calls appear under the store function, not the handler):', '',
    '| function (inclusive) | ms | share of busy |', '|---|---:|---:|',
    ...own.frames.slice(0, 20).map((f) => `| \`${esc(f.frame)}\` | ${int(f.ms)} | ${pct(f.share)} |`),
    '',
  ];
  return out;
}

function planSection(r: QueueRun): string[] {
  if (!r.plan) return [];
  const out = [
    `## The claim's plan on ${int(r.plan.pending)} pending jobs`, '',
    `${int(r.plan.pending)} pending no-op jobs${r.plan.requested && r.plan.requested > r.plan.pending + 1000 ? ` (of ${int(r.plan.requested)} asked for: seeding stopped at its time cap, \`BENCH_PLAN_SEED_S\`)` : ''} seeded by SQL on a data plane of their own (no events; ${r.plan.seedSeconds.toFixed(0)} s with \`VACUUM ANALYZE\`), in the same \`jobs\` table as ${int(r.plan.finished)} ` +
    'rows of the earlier phases on the default plane (finished, running, and the create phase\'s still pending). The project\'s own `jobClaim` (src/store/job-claims.ts) ran on one connection with `auto_explain` ' +
    '(`log_analyze`, `log_buffers`, `log_min_duration = 0`), statements prepared by name as the server\'s pool does, 7 times each in a savepoint ' +
    'rolled back (so each run sees the same backlog). Run 1 uses custom plans; from the 6th execution PostgreSQL may switch a prepared statement to ' +
    'its generic plan (shown with `$n` parameters), which is what a long-lived server connection runs.', '',
  ];
  for (const plans of r.plan.plans) out.push(...planRuns(plans));
  return out;
}

function planRuns(p: ClaimPlans): string[] {
  const out = [`### limit ${p.limit}`, '', '| run | jobs claimed | statements | sum of statement times ms | client wall ms | generic plans |', '|---:|---:|---:|---:|---:|---:|'];
  for (const run of p.runs) {
    out.push(`| ${run.run} | ${run.claimed} | ${run.statements.length} | ${ms(run.statements.reduce((a, s) => a + s.ms, 0))} | ${ms(run.wallMs)} | ${run.statements.filter((s) => s.generic).length} |`);
  }
  out.push('');
  const shown = [p.runs[0], p.runs[p.runs.length - 1]].filter((x, i, a): x is NonNullable<typeof x> => x !== undefined && a.indexOf(x) === i);
  for (const run of shown) {
    out.push(`Run ${run.run}:`, '');
    run.statements.forEach((s, i) => {
      out.push(`${i + 1}. ${ms(s.ms)} ms${s.generic ? ' (generic plan)' : ''}: \`${esc(s.sql.length > 160 ? `${s.sql.slice(0, 160)}…` : s.sql)}\``, '');
      out.push('```', s.plan, '```', '');
    });
  }
  return out;
}

function findings(r: QueueRun): string[] {
  const k = keyPhases(r);
  const out: string[] = ['## Diagnosis (from this run\'s figures)', ''];
  const u = k.unbatched;
  if (u) {
    const t = cpuTotal(u.cpu, u.completed);
    const server = u.cpu.procs.find((x) => x.name === 'jobplane server')?.cpuMs ?? NaN;
    const workers = u.cpu.procs.filter((x) => x.name.startsWith('executors-')).reduce((a, x) => a + x.cpuMs, 0);
    const per = (v: number) => int((v * 1000) / Math.max(1, u.completed));
    out.push(`1. **Where the CPU goes, unbatched.** Per job: server ${per(server)} µs, executors (HTTP clients) ${per(workers)} µs, PostgreSQL backends ${per(u.cpu.backendsMs)} µs: ` +
      `${int(t.perJobUs)} µs in all, so ${u.cpu.cores} cores cap this design at about ${int(t.ceiling)} jobs/s; measured ${int(u.rate)} jobs/s with the machine ${f2(u.cpu.machineCores)} of ${u.cpu.cores} cores busy` +
      (r.conditions.idle ? ` (of the server's figure, about ${int((r.conditions.idle.serverCores * 1e6) / Math.max(1e-9, u.rate))} µs is its idle background, ${f2(r.conditions.idle.serverCores * 1000)} ms/s spread over ${int(u.rate)} jobs/s)` : '') +
      `${u.cpu.serverRunqCores !== undefined ? ` and the server's thread runnable-but-waiting ${f2(u.cpu.serverRunqCores)} cores` : ''}.` +
      (k.pgboss1 ? ` pg-boss batch 1 costs ${int(cpuTotal(k.pgboss1.cpu, k.pgboss1.completed).perJobUs)} µs per job in all` : '') +
      (k.graphile ? `, Graphile Worker ${int(cpuTotal(k.graphile.cpu, k.graphile.completed).perJobUs)} µs.` : '.'));
    const tx = u.counters.xactCommit / Math.max(1, u.completed);
    const flush = u.counters.walSyncs / Math.max(1, u.completed);
    const ref = [k.pgboss1 && `pg-boss batch 1 ${f2(k.pgboss1.counters.xactCommit / Math.max(1, k.pgboss1.completed))} / ${f2(k.pgboss1.counters.walSyncs / Math.max(1, k.pgboss1.completed))}`,
      k.graphile && `Graphile Worker ${f2(k.graphile.counters.xactCommit / Math.max(1, k.graphile.completed))} / ${f2(k.graphile.counters.walSyncs / Math.max(1, k.graphile.completed))}`].filter(Boolean).join(', ');
    out.push(`2. **Round trips and commits per job.** Unbatched, the database commits ${f2(tx)} transactions and ${f2(flush)} WAL flushes per job (${ref || 'no anchor'}; transactions / flushes). ` +
      'Every transaction the server sends outside a claim or completion (auth lookups that miss the cache, the executor and plane checks, `pg_notify` after each completion) is a round trip on the critical path of one job, and a `pg_notify` commits a transaction of its own.');
  }
  const c1 = k.one1?.claimLatency;
  const c8 = k.unbatched?.claimLatency;
  if (c1 && c8) {
    out.push(`3. **Claim latency grows with executors.** Claim p50 / p99: ${ms(c1.p50)} / ${ms(c1.p99)} ms at 1 executor, ${ms(c8.p50)} / ${ms(c8.p99)} ms at ${k.anchorC} ` +
      `(avg ${ms(c1.avg)} → ${ms(c8.avg)} ms). With one executor a claim waits only for its own statements; with ${k.anchorC}, claims queue for the server's thread, its pg pool, and the CPU the backends share.`);
  }
  if (k.batched && k.unbatched) {
    out.push(`4. **Batching.** Limit ${k.batch} with ${k.batched.complete === 'batch' ? 'the batch completion endpoint' : `${k.batch} concurrent single completes (no batch endpoint yet)`}: ` +
      `${int(k.batched.rate)} jobs/s, ${f2(k.batched.counters.xactCommit / Math.max(1, k.batched.completed))} transactions per job, ${int(cpuTotal(k.batched.cpu, k.batched.completed).perJobUs)} µs CPU per job` +
      `${k.pgbossB ? ` (pg-boss batch ${k.batch}: ${int(k.pgbossB.rate)} jobs/s, ${f2(k.pgbossB.counters.xactCommit / Math.max(1, k.pgbossB.completed))} transactions and ${int(cpuTotal(k.pgbossB.cpu, k.pgbossB.completed).perJobUs)} µs per job)` : ''}.` +
      (k.batched.complete === 'concurrent' ? ' Completions still cost one HTTP request and one transaction each: the claim is batched, the completion is not.' : ''));
  }
  if (r.profile) {
    const top = r.profile.own.frames.slice(0, 6).map((f) => `\`${f.frame}\` ${pct(f.share)}`).join(', ');
    out.push(`5. **Profile (unbatched).** Our own frames by inclusive share of the busy thread: ${top}. See the profile section for self time by package.`);
  }
  if (k.create && k.run) {
    out.push(`6. **Create vs run.** \`POST /jobs\` ${int(k.create.load.rps)} req/s with ${f2(k.create.counters.xactCommit / Math.max(1, k.create.load.completed))} transactions per request; ` +
      `\`POST /jobs/{id}/run\` ${int(k.run.load.rps)} req/s with ${f2(k.run.counters.xactCommit / Math.max(1, k.run.load.completed))} (both are group-committed, src/api/job-writes.ts; a create also wakes its plane\'s claimers with a \`pg_notify\`, one statement per turn of the event loop, and writes its idempotency key).`);
  }
  out.push('');
  return out;
}

function historyTable(history: QueueRun[]): string[] {
  const rows = [
    '| at (UTC) | server code | load 1 min | jobs | batched completion | jp unbatched | pg-boss b1 | Graphile | jp batched | pg-boss b20 | unbatched ÷ pg-boss | unbatched ÷ Graphile | batched ÷ pg-boss | batched ÷ Graphile | claim p99, 1 → 8 executors | create → running p99 | create ÷ run | valid |',
    '|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|',
  ];
  for (const h of history.slice(-10)) {
    const k = keyPhases(h);
    const rt = (a?: ThroughputPhase, b?: ThroughputPhase) => ratio(a && b ? a.rate / b.rate : NaN);
    const valid = h.throughput.every((p) => p.valid) && h.http.every((p) => p.valid);
    const tree = h.conditions.serverTree ?? '';
    const code = /^git archive of (\w+)/.exec(tree)?.[1] ? `HEAD ${/^git archive of (\w+)/.exec(tree)![1]}` : /^working tree at (\w+)/.test(tree) ? `working tree on ${/^working tree at (\w+)/.exec(tree)![1]}${tree.includes('uncommitted') ? ' + uncommitted src/' : ''}` : tree.slice(0, 40);
    rows.push(`| ${h.at.slice(0, 19).replace('T', ' ')} | ${code} | ${h.conditions.loadAtStart.split(' ')[0]} | ${int(h.conditions.jobs)} | ${h.conditions.batchComplete.mode} | ${int(k.unbatched?.rate)} | ${int(k.pgboss1?.rate)} | ${int(k.graphile?.rate)} | ${int(k.batched?.rate)} | ${int(k.pgbossB?.rate)} | ${rt(k.unbatched, k.pgboss1)} | ${rt(k.unbatched, k.graphile)} | ${rt(k.batched, k.pgbossB)} | ${rt(k.batched, k.graphile)} | ${ms(k.one1?.claimLatency?.p99)} → ${ms(k.unbatched?.claimLatency?.p99)} ms | ${ms(h.latency?.createToRunning.p99)} ms | ${ratio(k.create && k.run ? k.create.load.rps / k.run.load.rps : NaN)} | ${valid ? 'yes' : '**no**'} |`);
  }
  return rows;
}

export function renderQueueReport(r: QueueRun, history: QueueRun[]): string {
  const c = r.conditions;
  const pgs = c.pg;
  const lines: string[] = [
    '# Queue benchmark', '',
    'Produced by `npm run bench:queue` (`bench/queue.ts`, helpers `bench/lib/queue-*.ts`). No-op jobs (type `noop`, accepted through ' +
    '`JOBPLANE_EXTRA_JOB_TYPES=noop`, so no engine runs) go end to end through a real `jobplane serve --no-operator` process ' +
    '(`node --import tsx src/cli/main.ts serve`, `LOG_LEVEL=warn`) on a fresh PostgreSQL database created for the run and dropped after it ' +
    '(also on Ctrl-C). Executors are registered (`POST /executors`) and each loops `POST /jobs/claim` → complete over its own keep-alive HTTP ' +
    `connection(s); they run in ${c.executorProcs} worker processes (round-robin), so the load generator is not one Node thread. ` +
    `pg-boss ${c.pgbossVersion} (\`fetch\` + \`complete\`, not \`work\`) and Graphile Worker ${c.graphileVersion} (\`run\`, a no-op task) run in their own ` +
    'process on the same PostgreSQL, in schemas of the same database, in the same run. For every throughput phase the jobs are inserted first ' +
    '(jobplane: by SQL, the row and `create` event `POST /jobs` writes; anchors: their own bulk insert), then `VACUUM ANALYZE`, then `go`; ' +
    'jobs/s counts from the first to the last acknowledged completion. The head-to-head phases run next to each other in time.', '',
    '## Targets (this run; ratios of figures measured in the same run on the same machine)', '',
    ...machineWarning(r),
    ...verdictRows(r), '',
    '## Conditions', '', '| | |', '|---|---|',
    `| date | ${r.at} |`,
    `| server code | ${c.serverTree} |`,
    `| CPU | ${c.cpu} |`,
    `| load average (1, 5, 15 min) | at start ${c.loadAtStart}; at end ${c.loadAtEnd} (a shared VM: other engineers' builds and tests run on it) |`,
    `| Node | ${c.node} |`,
    `| PostgreSQL | ${pgs['server_version']} (the machine's server on 127.0.0.1:5432, shared with other databases) |`,
    `| durability | fsync=${pgs['fsync']}, synchronous_commit=${pgs['synchronous_commit']}, wal_sync_method=${pgs['wal_sync_method']}, commit_delay=${pgs['commit_delay']}, full_page_writes=${pgs['full_page_writes']} |`,
    `| other settings | shared_buffers=${pgs['shared_buffers']}, work_mem=${pgs['work_mem']}, max_connections=${pgs['max_connections']}, checkpoint_timeout=${pgs['checkpoint_timeout']}, max_wal_size=${pgs['max_wal_size']}, random_page_cost=${pgs['random_page_cost']}, plan_cache_mode=${pgs['plan_cache_mode']}, jit=${pgs['jit']}, autovacuum=${pgs['autovacuum']} |`,
    `| jobs | ${int(c.jobs)} per throughput phase (\`BENCH_JOBS\` / \`--jobs\`); warm-up phases of ${int(c.warmupJobs)} (limit 1, then the batched limit) before the first measured one |`,
    `| server | 1 process, pg pool ${c.serverPool} (\`JOBPLANE_PG_POOL\`), leases of 1 h (no lease expires mid-run), started in ${c.serverStartSeconds.toFixed(1)} s; idle (5 s, nothing sent): server ${c.idle ? f2(c.idle.serverCores * 1000) : '–'} ms CPU/s, its backends ${c.idle ? f2(c.idle.backendsCores * 1000) : '–'} ms/s, machine ${c.idle ? f2(c.idle.machineCores) : '–'} cores busy (others' work) |`,
    `| batched completion | ${c.batchComplete.mode === 'batch' ? '`POST /jobs/complete` with the claim\'s jobs as a list' : `no batch endpoint: ${'each executor sends its claim\'s completions as concurrent `POST /jobs/{id}/complete` requests'}`} (${c.batchComplete.why}; \`--batch-complete\` / \`--no-batch-complete\` force it) |`,
    `| HTTP load generator | ${c.loadgen}: ${c.loadgenNote} |`,
    `| whole run | ${c.totalSeconds.toFixed(0)} s |`,
    '',
    '## Throughput', '',
    ...throughputTable(r), '',
    '- *jobs/s (first → last completion)*: (completions − 1) ÷ the time between the first and the last acknowledged completion (for Graphile Worker, its `job:complete` event, which fires as the completion is sent). *from go*: completions ÷ the time from `go` to the last completion, start-up and first claims included.',
    '- *valid*: every acknowledged completion is in the database (jobplane also: one `complete` event each), no error, and every seeded job completed, or, for a phase stopped at the time cap (`BENCH_PHASE_TIMEOUT_S`), the rest still pending (nothing lost or half done). Checks:',
    ...r.throughput.map((p) => `  - ${p.key}: ${p.check}${p.errorSamples.length ? `; errors: ${p.errorSamples.map(esc).join(' / ')}` : ''}`),
    ...[...new Set(r.throughput.flatMap((p) => p.notes))].map((n) => `- ${n}`), '',
    '## CPU per job (per process)', '',
    ...cpuTable(r), '',
    '- Server: `/proc/<pid>/stat` sampled every 250 ms. Worker processes: their own `process.cpuUsage()` from `go` to their end. Backends: every PostgreSQL backend connected to the bench database (the idle jobplane server\'s pool included during the anchor phases). *CPU ceiling*: the machine\'s cores ÷ the CPU all of them spend per job, i.e. the rate at which this design would saturate this machine.',
    '- *requests / job*: jobplane: HTTP requests (claims, empty ones included, and completion requests) per completed job; pg-boss: `fetch` and `complete` calls per job (each one SQL statement); Graphile Worker: not counted (its worker loop is internal).',
    '- *server thread waiting for a CPU*: time the server\'s main thread was runnable but not running (`/proc/<pid>/schedstat`), in cores.', '',
    '## Database work per job', '',
    ...dbTable(r), '',
    '- From `pg_stat_database`, `pg_stat_wal` (cluster-wide: other databases on this server add to it) and `pg_stat_user_tables`, read before and after each phase. pg_stat_statements is not loaded on this server (`shared_preload_libraries` is empty), so statements are not counted one by one. *Group-commit statements*: from the server\'s `jobplane_write_batch_size` / `jobplane_run_batch_size` histograms (GET /metrics) around the phase: the claim, complete, fail and heartbeat statements per job, and how many requests each carried.', '',
    '## Latency', '',
    ...latencyTable(r), '',
    r.latency ? `- create → running: one registered executor long-polls \`POST /jobs/claim {limit: 1, wait_ms: 10000}\`; after it has been parked a random ${r.latency.idleMs[0]}-${r.latency.idleMs[1]} ms, \`POST /jobs\` is sent on another connection; the sample is from that send to the claim's answer carrying the new job. ${r.latency.mismatches} samples were discarded because the claim answered with another job or none (must be 0). 20 warm-up samples are not counted.` : '- create → running: not measured in this run.',
    '- Claim latencies are per request as the executors saw them (send → response), over the whole phase.', '',
    '## `POST /jobs` vs `POST /jobs/{id}/run` (same server)', '',
    ...httpTable(r), '',
    `- ${r.http[0]?.connections ?? 32} connections, ${c.loadgen}, a ${c.httpWarmupSeconds} s warm-up before each (not counted). \`run\` gets distinct pending no-op jobs seeded by SQL, each id sent once; create sends \`{"type":"noop","input":{}}\` (a new job each time).`, '',
    ...profileSection(r),
    ...planSection(r),
    ...findings(r),
    '## Notes', '',
    `- **This 2-core VM is shared** (load average ${c.loadAtStart} at the start): the server, its PostgreSQL backends, the executors and the anchors all compete for 2 cores, and other engineers' tests run at the same time. Figures move between runs; ratios within a run are the comparison that holds.`,
    '- **The anchors talk to PostgreSQL directly**, with no HTTP hop and no server process in between: a jobplane job pays two HTTP requests (claim, complete) plus the server\'s work, which the anchors do not have. The targets account for that only as ratios.',
    '- **pg-boss** runs with `supervise` and `schedule` off (no maintenance during the phase); **Graphile Worker** with its defaults (no local queue, unbatched completion) and success logging off (`NO_LOG_SUCCESS`, a quiet logger); both with a pool of concurrency + 2.',
    `- **Batched phase**: ${c.batchComplete.mode === 'batch' ? 'completions go through `POST /jobs/complete`' : 'until the lead\'s batch endpoint exists, each executor sends its claim\'s completions as concurrent single requests, so only the claim is batched; with `POST /jobs/complete` in /openapi.json the next run switches by itself'}.`,
    '- **No stubs**: the server is the real process, the executors speak the real protocol, every completion is checked in the database.', '',
    '## Run history (bench/results/queue-runs.jsonl, last 10)', '',
    ...historyTable(history), '',
  ];
  return lines.join('\n');
}
