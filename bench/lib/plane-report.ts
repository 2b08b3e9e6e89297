// Renders bench/results/plane.md from one run of bench/plane.ts. Every figure comes from the run record; the
// sentences around them are conditional on what was measured, so a missed target reads as missed.
import type { DirectResult } from './plane-direct.js';
import type { ThreadSplit } from './plane-procs.js';

export const TARGET_RATIO = 1.15;
export const RSS_BOUND_MIB = 1024;

/** One materialize-view job through the system. Times in ms; phases sum to wallMs. */
export interface SystemRun {
  workload: string;
  run: number;
  jobId: string;
  load1: number;
  /** Client: POST /nql/run sent until GET /jobs/{id} first showed `completed`. */
  wallMs: number;
  /** Client: the POST /nql/run round trip. */
  submitMs: number;
  /** created_at - submit (the POST until the job row's transaction; includes compiling the NQL). */
  submitToCreatedMs: number;
  /** dequeued_at - created_at: waiting to be claimed. */
  queueMs: number;
  /** Operator log 'job started' - dequeued_at: the claim's answer reaching the operator. */
  claimToStartMs: number;
  /** 'snapshot written' - 'job started': the handler (catalog calls, bind inputs, describe, COPY, file metadata). */
  handlerMs: number;
  /** ended_at - 'snapshot written': the complete call until the server stamped the job (snapshot commit). */
  completeMs: number;
  /** 'job finished' - 'snapshot written': the complete call's whole round trip, as the operator saw it. */
  completeRoundTripMs: number;
  /** The client's poll seeing `completed` - ended_at. */
  observeLagMs: number;
  createdToEndedMs: number;
  serverMs: number;
  rows: number;
  bytes: number;
  files: number;
  opCpuMs: number;
  /** The operator's CPU over the job, main (JavaScript) thread vs the others (DuckDB, libuv, V8 helpers). */
  opThreads: ThreadSplit;
  serverCpuMs: number;
  /** VmHWM of the operator over this job (reset before it), MiB. */
  opPeakMiB: number;
  /** Max VmRSS sampled every 100 ms over this job, MiB. */
  opSampledMaxMiB: number;
}

export interface DirectRun extends DirectResult {
  workload: string;
  run: number;
  /** 'direct': plain DuckDB COPY (the ratio's baseline); 'engine': bindDatasets + writeSnapshot in a bare process. */
  side: 'direct' | 'engine';
  /** A run with DuckDB's default optimizers: shown, not used in the ratio. */
  informational: boolean;
  disabledOptimizers: string;
  load1: number;
  processMs: number;
}

export interface ForecastRun {
  query: string;
  run: number;
  wallMs: number;
  createdToEndedMs: number;
  queueMs: number;
  /** Operator log 'job started' .. 'job finished' (bind, forecast, complete). */
  handlerMs: number;
  rows: number;
  method: string;
  sampleRate: number;
  opPeakMiB: number;
}

export interface PlaneRunRecord {
  at: string;
  conditions: {
    cpu: string; cores: number; node: string; platform: string; loadAtStart: string; loadAtEnd: string;
    rows: number; repeat: number; forecastRepeat: number; pollMs: number; forecastPollMs: number;
    memoryLimit: string; threads: number; database: string; build: string; operatorSlots: number;
    disabledOptimizers: string; serverReadyMs: number; sampleMs: number; totalMs: number; peakResettable: boolean;
  };
  sample: { rows: number; bytes: number; files: number };
  workloads: Array<{ key: string; label: string; nql: string; compiledSql: string; statsEnabled: boolean }>;
  forecasts: Array<{ key: string; label: string }>;
  systemRuns: SystemRun[];
  directRuns: DirectRun[];
  forecastRuns: ForecastRun[];
  operatorMemory: {
    startupRssMiB: number; startupPeakMiB: number; endRssMiB: number; lifetimePeakMiB: number; sampledMaxMiB: number;
    serverPeakMiB: number;
  };
}

const median = (xs: readonly number[]): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const min = (xs: readonly number[]) => (xs.length ? Math.min(...xs) : NaN);
const max = (xs: readonly number[]) => (xs.length ? Math.max(...xs) : NaN);
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const mib = (bytes: number) => (Number.isFinite(bytes) ? (bytes / 1024 / 1024).toFixed(1) : '–');
const pct = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : '–');
/** ms, as "1234 ms" below 10 s, else "12.3 s". */
/** A signed duration: "+123 ms", "−1.2 s". */
const signed = (ms: number) => (!Number.isFinite(ms) ? '–' : `${ms >= 0 ? '+' : '−'}${t(Math.abs(ms))}`);
const t = (ms: number) => (!Number.isFinite(ms) ? '–' : Math.abs(ms) >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

export interface WorkloadSummary {
  key: string;
  label: string;
  statsEnabled: boolean;
  /** Median of the engine path's computeColumnStats, ms (0 without stats). */
  engineStatsMedian: number;
  system: SystemRun[];
  direct: DirectRun[];
  engine: DirectRun[];
  info: DirectRun[];
  sysMedian: number;
  sysMin: number;
  dirMedian: number;
  dirMin: number;
  ratio: number;
  ratioMin: number;
  cpuRatio: number;
  engineMedian: number;
  handlerOverDirect: number;
  /** The handler's median minus the engine path's: catalog calls over HTTP, the session, Node around them. */
  handlerOverEngine: number;
  /** The engine path's median minus the direct COPY's: describe, cast to the schema, rotation, footer reads. */
  engineOverDirect: number;
  opPeakMiB: number;
  rowsMatch: boolean;
}

export function summarize(r: PlaneRunRecord): WorkloadSummary[] {
  return r.workloads.map((w) => {
    const system = r.systemRuns.filter((s) => s.workload === w.key);
    const direct = r.directRuns.filter((d) => d.workload === w.key && d.side === 'direct' && !d.informational);
    const engine = r.directRuns.filter((d) => d.workload === w.key && d.side === 'engine');
    const info = r.directRuns.filter((d) => d.workload === w.key && d.informational);
    const engineMedian = median(engine.map((d) => d.copyMs));
    const handlerMedian = median(system.map((s) => s.handlerMs));
    const sysMedian = median(system.map((s) => s.wallMs));
    const dirMedian = median(direct.map((d) => d.copyMs));
    const rows = new Set([...system.map((s) => s.rows), ...direct.map((d) => d.rows), ...engine.map((d) => d.rows), ...info.map((d) => d.rows)]);
    return {
      key: w.key, label: w.label, statsEnabled: w.statsEnabled, engineStatsMedian: median(engine.map((d) => d.statsMs)),
      system, direct, engine, info, sysMedian, sysMin: min(system.map((s) => s.wallMs)),
      dirMedian, dirMin: min(direct.map((d) => d.copyMs)),
      ratio: sysMedian / dirMedian, ratioMin: min(system.map((s) => s.wallMs)) / min(direct.map((d) => d.copyMs)),
      cpuRatio: median(system.map((s) => s.opCpuMs)) / median(direct.map((d) => d.copyCpuMs)),
      engineMedian, handlerOverDirect: handlerMedian - dirMedian, handlerOverEngine: handlerMedian - engineMedian,
      engineOverDirect: engineMedian - dirMedian,
      opPeakMiB: max(system.map((s) => s.opPeakMiB)), rowsMatch: rows.size === 1,
    };
  });
}

function summaryTable(r: PlaneRunRecord, sums: WorkloadSummary[]): string {
  const rows = sums.map((s) => {
    const rowsText = s.rowsMatch ? int(s.system[0]?.rows ?? NaN) : `**differ**: ${[...new Set(s.system.map((x) => x.rows))].map(int).join('/')} vs ${[...new Set(s.direct.map((x) => x.rows))].map(int).join('/')}`;
    return `| ${s.label} | ${t(s.sysMedian)} / ${t(s.sysMin)} | ${t(s.dirMedian)} / ${t(s.dirMin)} | **${f2(s.ratio)}** / ${f2(s.ratioMin)} | ` +
      `${s.ratio <= TARGET_RATIO ? 'met' : '**missed**'} | ${t(s.engineMedian)} | ${t(median(s.system.map((x) => x.opCpuMs)))} / ${t(median(s.engine.map((x) => x.copyCpuMs)))} / ${t(median(s.direct.map((x) => x.copyCpuMs)))} (${f2(s.cpuRatio)}) | ` +
      `${rowsText} | ${mib(median(s.system.map((x) => x.bytes)))} / ${mib(median(s.direct.map((x) => x.bytes)))} | ` +
      `${int(s.opPeakMiB)} / ${int(max(s.engine.map((x) => x.maxRssMiB)))} / ${int(max(s.direct.map((x) => x.maxRssMiB)))} |`;
  });
  return `| workload | system: submit → completed, median / min | direct \`COPY\`, median / min | ratio (median / min) | target ≤ ${TARGET_RATIO} | engine path, median | CPU median: operator / engine path / direct (operator ÷ direct) | rows written | MiB written: system / direct | peak RSS MiB: operator / engine path / direct |
|---|---:|---:|---:|---|---:|---:|---:|---:|---:|
${rows.join('\n')}`;
}

function breakdownTable(sums: WorkloadSummary[]): string {
  const rows = sums.map((s) => {
    const m = (k: keyof SystemRun) => median(s.system.map((x) => x[k] as number));
    return `| ${s.key} | ${t(m('submitToCreatedMs'))} | ${t(m('queueMs'))} | ${t(m('claimToStartMs'))} | ${t(m('handlerMs'))} | ${t(m('completeMs'))} | ${t(m('observeLagMs'))} | ${t(m('wallMs'))} | ${t(s.engineMedian)}${s.statsEnabled ? ` (stats ${t(s.engineStatsMedian)})` : ''} | ${t(s.dirMedian)} | ${t(s.handlerOverEngine)} | ${t(s.engineOverDirect)} | ${t(m('serverCpuMs'))} |`;
  });
  return `| workload | submit → job row | queue → claimed | claim → operator starts | handler | complete + commit | poll sees it | wall | engine path (of it: column stats) | direct \`COPY\` | handler − engine path | engine path − direct | server CPU |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}`;
}

function runsTable(r: PlaneRunRecord): string {
  const lines: string[] = [];
  const order = { system: 0, direct: 1, engine: 2 } as const;
  for (const w of r.workloads) {
    const entries: Array<{ run: number; side: number; line: string }> = [];
    for (const s of r.systemRuns.filter((x) => x.workload === w.key)) {
      entries.push({ run: s.run, side: order.system, line: `| ${w.key} | ${s.run} | system | ${t(s.wallMs)} | ${t(s.handlerMs)} | ${t(s.opCpuMs)} | ${t(s.opThreads.mainMs)} / ${t(s.opThreads.otherMs)} | ${int(s.opPeakMiB)} (${int(s.opSampledMaxMiB)}) | ${int(s.rows)} | ${mib(s.bytes)} (${s.files} file${s.files === 1 ? '' : 's'}) | ${f2(s.load1)} |` });
    }
    for (const d of r.directRuns.filter((x) => x.workload === w.key)) {
      entries.push({ run: d.run, side: order[d.side], line: `| ${w.key} | ${d.run} | ${d.side === 'engine' ? 'engine path' : 'direct'}${d.informational ? ', DuckDB default optimizers (not in the ratio)' : ''} | ${t(d.copyMs)} | setup ${t(d.setupMs)} | ${t(d.copyCpuMs)} | ${t(d.threads.mainMs)} / ${t(d.threads.otherMs)} | ${int(d.maxRssMiB)} | ${int(d.rows)} | ${mib(d.bytes)}${d.side === 'engine' ? ` (${d.files} file${d.files === 1 ? '' : 's'})` : ''} | ${f2(d.load1)} |` });
    }
    lines.push(...entries.sort((a, b) => a.run - b.run || a.side - b.side).map((e) => e.line));
  }
  return `| workload | run | side | wall (system: submit → completed; direct: the COPY; engine path: bind + writeSnapshot) | handler / setup | CPU (operator process over the job / the timed part) | of it: main thread / other threads | peak RSS MiB (sampled max VmRSS) | rows | MiB | load (1 min) at start |
|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|
${lines.join('\n')}`;
}

function forecastTable(r: PlaneRunRecord): string {
  const rows = r.forecasts.map((f) => {
    const runs = r.forecastRuns.filter((x) => x.query === f.key);
    const walls = runs.map((x) => x.wallMs);
    const methods = [...new Set(runs.map((x) => `${x.method}${Number.isFinite(x.sampleRate) && x.sampleRate < 1 ? `, r=${x.sampleRate}` : ''}`))].join('; ');
    return `| ${f.label} | ${runs.length} | ${t(median(walls))} | ${t(min(walls))} | ${t(max(walls))} | ${t(median(runs.map((x) => x.createdToEndedMs)))} | ${t(median(runs.map((x) => x.queueMs)))} | ${t(median(runs.map((x) => x.handlerMs)))} | ${int(median(runs.map((x) => x.rows)))} | ${methods} | ${int(max(runs.map((x) => x.opPeakMiB)))} |`;
  });
  return `| query | runs | submit → completed, median | min | max | created_at → ended_at, median | queue → claimed, median | operator: job started → finished, median | estimated rows | method | operator peak RSS MiB |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|
${rows.join('\n')}`;
}

function memorySection(r: PlaneRunRecord, sums: WorkloadSummary[]): string {
  const m = r.operatorMemory;
  const perWorkload = sums.map((s) => `| peak over the ${s.key} materializations (VmHWM, reset before each job) | ${int(s.opPeakMiB)} | ${s.opPeakMiB <= RSS_BOUND_MIB ? 'under' : '**over**'} the ${RSS_BOUND_MIB} MiB bound |`);
  const forecastPeak = max(r.forecastRuns.map((x) => x.opPeakMiB));
  return `| operator process (\`jobplane operator\`, pid of its own) | MiB | |
|---|---:|---|
| after start, engine open, idle (VmRSS / VmHWM) | ${int(m.startupRssMiB)} / ${int(m.startupPeakMiB)} | |
${perWorkload.join('\n')}
| peak over the forecast jobs | ${int(forecastPeak)} | |
| max VmRSS sampled every 100 ms, whole run | ${int(m.sampledMaxMiB)} | |
| **lifetime peak** (max of the VmHWM readings${r.conditions.peakResettable ? '' : '; resetting VmHWM was refused, so every reading is already the lifetime peak'}) | **${int(m.lifetimePeakMiB)}** | ${m.lifetimePeakMiB <= RSS_BOUND_MIB ? 'under' : '**over**'} the ${RSS_BOUND_MIB} MiB bound |
| at the end (VmRSS) | ${int(m.endRssMiB)} | |
| for comparison: the serve process's VmHWM (API + ${r.conditions.database.startsWith('embedded') ? 'PGlite + sample generation' : 'pg pool + sample generation'}) | ${int(m.serverPeakMiB)} | |`;
}

function reading(r: PlaneRunRecord, sums: WorkloadSummary[], history: readonly PlaneRunRecord[]): string {
  const out: string[] = [];
  const c = r.conditions;
  const load0 = Number(c.loadAtStart.split(' ')[0]);
  const load1 = Number(c.loadAtEnd.split(' ')[0]);
  if (Math.max(load0, load1, ...r.systemRuns.map((s) => s.load1)) > c.cores) {
    out.push(`- **The machine was shared.** Load average up to ${f2(Math.max(load0, load1, ...r.systemRuns.map((s) => s.load1)))} on ${c.cores} CPUs during the run: ` +
      'wall times stretch with the neighbours\' work, unevenly between runs. The CPU columns (operator process vs the direct process) are the steadier comparison.');
  }
  for (const s of sums) {
    const m = (k: keyof SystemRun) => median(s.system.map((x) => x[k] as number));
    const around = m('wallMs') - m('handlerMs');
    const verdict = s.ratio <= TARGET_RATIO
      ? `meets the ≤ ${TARGET_RATIO} target`
      : `**misses** the ≤ ${TARGET_RATIO} target${s.ratioMin <= TARGET_RATIO ? ` (best against best: ${f2(s.ratioMin)})` : ''}`;
    const cpu = (xs: DirectRun[]) => median(xs.map((x) => x.copyCpuMs));
    let text = `- **${s.key}**: system ${t(s.sysMedian)} against DuckDB's ${t(s.dirMedian)}, ratio ${f2(s.ratio)}: ${verdict}. ` +
      `Everything outside the handler (submit and compile ${t(m('submitToCreatedMs'))}, wait for the claim ${t(m('queueMs'))}, ` +
      `claim answer to handler ${t(m('claimToStartMs'))}, complete + snapshot commit ${t(m('completeMs'))}, poll lag ${t(m('observeLagMs'))}) ` +
      `adds up to ${t(around)} (${pct(around / m('wallMs'))} of the wall time); the handler is the rest, ${t(m('handlerMs'))}.`;
    if (s.engine.length) {
      text += ` Against the engine path (the same bind + writeSnapshot${s.statsEnabled ? ' + column stats' : ''} in a bare process: ${t(s.engineMedian)}), the handler spends ` +
        `${signed(s.handlerOverEngine)} on what the operator adds (catalog calls over HTTP, its own session, a Node process that also ` +
        `heartbeats and long-polls); the engine path spends ${signed(s.engineOverDirect)} against the plain COPY (describe(), the cast ` +
        `to the view's schema, FILE_SIZE_BYTES rotation, footer reads${s.statsEnabled ? `, and the column statistics of the written ` +
          `files, ${t(s.engineStatsMedian)} of it: extended stats are on, NQL's default` : ''}).`;
    } else {
      text += ` The handler spends ${signed(s.handlerOverDirect)} against the plain COPY.`;
    }
    text += ` CPU, the steadier measure here: operator ${t(median(s.system.map((x) => x.opCpuMs)))} over the whole job` +
      `${s.engine.length ? `, engine path ${t(cpu(s.engine))}` : ''}, direct COPY ${t(cpu(s.direct))} (operator ÷ direct ${f2(s.cpuRatio)}).`;
    const twin = sums.find((x) => x.key === `${s.key}-nostats`);
    if (s.statsEnabled && twin) {
      text += ` Without extended stats (${twin.key}) the same materialization's ratio is ${f2(twin.ratio)} (CPU ${f2(twin.cpuRatio)}): ` +
        `the gap is the column statistics, not the control plane.`;
    }
    if (s.ratio < 0.9) {
      text += ` A ratio below 1 only means that the direct runs were hit harder by the neighbours' load (see their wall times in the ` +
        'runs table); the CPU ratio is the sound figure here.';
    }
    if (!s.rowsMatch) text += ' **The row counts of the sides differ** (see the runs table).';
    out.push(text);
    const info = s.info[0];
    if (info) {
      const ref = cpu(s.direct);
      const d = info.copyCpuMs / ref - 1;
      out.push(`  With DuckDB's default optimizers (the operator disables \`${c.disabledOptimizers}\` for correctness), one direct COPY ` +
        `used ${t(info.copyCpuMs)} CPU (${t(info.copyMs)} wall) against the median ${t(ref)} with it disabled: ` +
        (Math.abs(d) <= 0.1 ? 'no material difference for this query.'
          : d < 0 ? `${pct(-d)} less: the setting costs the system this much, and the ratio above does not show it.`
            : `${pct(d)} more (one run on a shared machine: read it as noise unless it repeats).`));
    }
  }
  const m = r.operatorMemory;
  for (const big of sums.filter((x) => (x.system[0]?.rows ?? 0) >= 1_000_000)) {
    out.push(`- **Streaming (${big.key}).** Materializing ${int(big.system[0]?.rows ?? NaN)} rows (${mib(median(big.system.map((x) => x.bytes)))} MiB of Parquet) ` +
      `peaked at ${int(big.opPeakMiB)} MiB in the operator process with memory_limit ${c.memoryLimit}: ` +
      `${big.opPeakMiB <= RSS_BOUND_MIB ? `under the ${RSS_BOUND_MIB} MiB bound` : `**over the ${RSS_BOUND_MIB} MiB bound**`}. ` +
      'DuckDB streams the COPY into the Parquet writer; nothing of the result passes through JavaScript.');
  }
  const seed = sums.find((s) => s.key === 'seed');
  if (seed) {
    out.push(`- **The seed query** (a LAG window partitioned by device and place, then a GROUP BY) must hold its partitions: its peak was ` +
      `${int(seed.opPeakMiB)} MiB (${seed.opPeakMiB <= RSS_BOUND_MIB ? 'under' : '**over**'} ${RSS_BOUND_MIB} MiB; the direct process: ${int(max(seed.direct.map((x) => x.maxRssMiB)))} MiB). ` +
      'memory_limit bounds DuckDB\'s buffer manager, not the process (docs/data-plane.md)' +
      (seed.opPeakMiB > RSS_BOUND_MIB ? `: with memory_limit ${c.memoryLimit} a query that fills the buffer pool puts the process over ` +
        `${RSS_BOUND_MIB} MiB (Node and the engine add about ${int(r.operatorMemory.startupRssMiB)} MiB); a lower JOBPLANE_DUCKDB_MEMORY ` +
        '(BENCH_DUCKDB_MEMORY here) trades that for spilling.' : '.'));
    const others = history.filter((h) => h.conditions.memoryLimit !== c.memoryLimit && h.conditions.rows === r.conditions.rows);
    for (const h of others) {
      const hs = summarize(h).find((x) => x.key === 'seed');
      if (!hs) continue;
      out.push(`  Recorded run ${h.at.slice(0, 16).replace('T', ' ')} with memory_limit ${h.conditions.memoryLimit}: the seed peaked at ` +
        `${int(hs.opPeakMiB)} MiB (${hs.opPeakMiB <= RSS_BOUND_MIB ? 'under' : 'over'} ${RSS_BOUND_MIB} MiB), system median ${t(hs.sysMedian)}, ` +
        `operator CPU ${t(median(hs.system.map((x) => x.opCpuMs)))}; its forecast peaked at ${int(max(h.forecastRuns.map((x) => x.opPeakMiB)))} MiB.`);
    }
  }
  out.push(`- **Lifetime peak** of the operator: ${int(m.lifetimePeakMiB)} MiB (${m.lifetimePeakMiB <= RSS_BOUND_MIB ? 'under' : '**over**'} ${RSS_BOUND_MIB} MiB).`);
  const fc = r.forecasts.map((f) => {
    const runs = r.forecastRuns.filter((x) => x.query === f.key);
    return `${f.key} ${t(median(runs.map((x) => x.wallMs)))} (operator ${t(median(runs.map((x) => x.handlerMs)))}, queue ${t(median(runs.map((x) => x.queueMs)))})`;
  });
  out.push(`- **Forecasts** on ${int(r.sample.rows)} rows, median submit → completed: ${fc.join('; ')}. The part outside the operator is the ` +
    `job's round trip through the API (create, claim, complete) plus the poll interval of ${c.forecastPollMs} ms.`);
  for (const f of r.forecasts) {
    const runs = r.forecastRuns.filter((x) => x.query === f.key);
    if (r.sample.rows > 1_000_000 && runs.length && runs.every((x) => x.method === 'exact')) {
      const mv = sums.find((s) => s.key === f.key);
      out.push(`  The ${f.key} forecast was counted exactly on all ${int(r.sample.rows)} rows (src/plane/engine/forecast-shape.ts sends windows, ` +
        `joins, LIMIT and HAVING to the exact path), so it costs about what running the query does: ${t(median(runs.map((x) => x.handlerMs)))} in the operator` +
        `${mv ? ` against ${t(median(mv.system.map((x) => x.handlerMs)))} for materializing it` : ''}, peak ${int(max(runs.map((x) => x.opPeakMiB)))} MiB.`);
    }
  }
  return out.join('\n');
}

/** One line per recorded run (bench/results/plane-runs.jsonl), oldest first: how steady the figures are. */
function historyTable(history: readonly PlaneRunRecord[], current: PlaneRunRecord): string {
  const keys = [...new Set(history.flatMap((h) => h.workloads.map((w) => w.key)))];
  const rows = history.map((h) => {
    const sums = summarize(h);
    const cell = (key: string) => {
      const s = sums.find((x) => x.key === key);
      return s ? `${f2(s.ratio)} (CPU ${f2(s.cpuRatio)})` : '–';
    };
    const forecast = (key: string) => t(median(h.forecastRuns.filter((x) => x.query === key).map((x) => x.wallMs)));
    return `| ${h.at.slice(0, 19).replace('T', ' ')}${h.at === current.at ? ' (this report)' : ''} | ${h.conditions.loadAtStart.split(' ')[0]} | ` +
      `${int(h.conditions.rows)} | ${h.conditions.memoryLimit} | ${h.conditions.repeat} | ${keys.map(cell).join(' | ')} | ` +
      `${int(h.operatorMemory.lifetimePeakMiB)} | ${forecast('seed')} / ${forecast('filter')} |`;
  });
  return `| run | load at start | rows | memory_limit | repeat | ${keys.map((k) => `${k}: ratio (CPU ratio)`).join(' | ')} | operator lifetime peak MiB | forecast seed / filter, median |
|---|---:|---:|---|---:|${keys.map(() => '---:|').join('')}---:|---:|
${rows.join('\n')}`;
}

export function renderPlaneReport(r: PlaneRunRecord, history: readonly PlaneRunRecord[] = [r]): string {
  const c = r.conditions;
  const sums = summarize(r);
  const workloadText = r.workloads.map((w) => `### ${w.key}: ${w.label}

\`\`\`sql
${w.nql.trim()}
\`\`\`

<details><summary>compiled SQL (the job's <code>input.compiled_sql</code>; the direct side runs exactly this)</summary>

\`\`\`sql
${w.compiledSql.trim()}
\`\`\`
</details>`).join('\n\n');
  return `# Data-plane benchmark: the whole system

Produced by \`npm run bench:plane\` (\`bench/plane.ts\`); the run's raw record is the line of
\`bench/results/plane-runs.jsonl\` with \`"at":"${r.at}"\` (\`npx tsx bench/plane.ts --render [at]\` renders this
file again from a recorded run).

A real \`jobplane serve --no-operator\` (fresh data dir, ${c.database}) generates the sample dataset 6402 with
\`JOBPLANE_SAMPLE_ROWS=${c.rows}\`; a separate \`jobplane operator\` process (its own operator token, the server's
storage dir as \`--storage-root\`) runs the jobs. Each materialization is submitted as NQL through \`POST /nql/run\`
and timed from the submit until \`GET /jobs/{id}\` (polled every ${c.pollMs} ms) shows \`completed\`. In the same run,
rotating with it, a separate process opens DuckDB directly with the operator's engine settings, binds
\`ds_6402\` to the same Parquet files and times \`COPY (<the job's compiled_sql>) TO '<file>' (FORMAT parquet, COMPRESSION zstd)\`
("direct", the baseline of the ratio). A third side, "engine path", runs the operator's own data path in a bare
process (\`DuckEngine.open\`, a session, \`bindDatasets\`, \`writeSnapshot\` with the view's schema, as the
materialize-view handler calls them, without the control plane), to tell the engine's overhead from the system's.

| | |
|---|---|
| date | ${r.at} |
| machine | ${c.cpu}; node ${c.node} (${c.platform}) |
| load average (1, 5, 15 min) | at start ${c.loadAtStart}; at end ${c.loadAtEnd} |
| database | ${c.database} |
| CLI | \`node bin/jobplane.js\` (dist/): ${c.build} |
| sample dataset 6402 | ${int(r.sample.rows)} rows, ${r.sample.files} file(s), ${mib(r.sample.bytes)} MiB; generated by serve in ${t(c.sampleMs)} (spawn → dataset visible: ${t(c.serverReadyMs)}) |
| DuckDB settings, operator and direct alike | memory_limit **${c.memoryLimit}** (\`JOBPLANE_DUCKDB_MEMORY\`), threads ${c.threads}, TimeZone UTC, preserve_insertion_order false, disabled_optimizers '${c.disabledOptimizers}', a private temp_directory |
| operator | default slots (${int(c.operatorSlots)}), LOG_LEVEL info |
| repetitions | ${c.repeat} per side and workload (rotating which side goes first), ${c.forecastRepeat} per forecast query; one warm-up forecast before, not counted |
| whole run | ${t(c.totalMs)} |

## Results

${summaryTable(r, sums)}

The ratio is the system's submit → completed over the direct COPY alone (the direct process's start-up, DuckDB
open and view creation are not counted; they are in the runs table as "setup"). CPU: user + system time of the
operator process from submit to completed (all its threads: Node and DuckDB) against the other processes' CPU over
their timed part. Peak RSS: the operator's VmHWM over the job (reset before it through \`/proc/<pid>/clear_refs\`),
the other processes' getrusage maxrss.

NQL's \`CREATE MATERIALIZED VIEW\` defaults to \`EXTENDED_STATS = 'all'\` (as Narrative's): the job then also computes
the column statistics of the snapshot it wrote (one more pass over the output, in the same job), which the direct
COPY does not. The workloads with \`EXTENDED_STATS = 'none'\` are the like-for-like comparison; the engine path
computes the statistics exactly when the job does.

### Where the system's time goes (medians)

${breakdownTable(sums)}

The phases add up to the wall time: submit → job row = \`created_at\` − the client's submit (POST /nql/run parses,
compiles and inserts); queue = \`dequeued_at\` − \`created_at\`; claim → operator starts = the operator's
\`job started\` log line − \`dequeued_at\`; handler = \`job started\` → \`snapshot written\` (catalog calls over HTTP,
binding \`ds_6402\`, \`describe()\`, the COPY with the cast to the view's schema, Parquet footer reads); complete +
commit = \`snapshot written\` → \`ended_at\` (the complete call; the server commits the snapshot manifest and the
job in one transaction); poll sees it = the client's GET − \`ended_at\`. Timestamps from the server, the operator's
log and the client share one clock (one machine).

### Operator memory

${memorySection(r, sums)}

### Forecast latency (\`EXPLAIN\` → an nql-forecast job)

${forecastTable(r)}

## Reading

${reading(r, sums, history)}

## All runs

${runsTable(r)}

## Recorded runs (bench/results/plane-runs.jsonl)

${historyTable(history, r)}

Ratios are medians of system over direct wall time; the CPU ratio is the operator's CPU over the direct COPY's.
Runs with other settings (rows, memory_limit, workloads) are experiments, not the figures above.

## Workloads

${workloadText}
`;
}
