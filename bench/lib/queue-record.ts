// What one `npm run bench:queue` run measured: the record kept in bench/results/queue-runs.jsonl and rendered into
// bench/results/queue.md. Plus the small arithmetic shared by the runner and the report.
import type { ProfileSummary } from './cpuprofile.js';
import type { LoadResult } from './load.js';
import type { CompleteMode, WorkerStats } from './queue-ipc.js';
import type { QueueCounters } from './queue-db.js';
import type { ClaimPlans } from './queue-plan.js';
import type { InclusiveFrame } from './queue-profile.js';
import { percentile } from './sys.js';

export interface Pct {
  n: number;
  avg: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): Pct {
  const s = [...values].sort((a, b) => a - b);
  const avg = s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN;
  return { n: s.length, avg, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

/** One process's CPU over a phase. */
export interface ProcCpu {
  name: string;
  cpuMs: number;
}

export interface PhaseCpu {
  /** Wall time of the CPU window, ms. */
  windowMs: number;
  /** The jobplane server (from /proc), each worker process (its own process.cpuUsage), this process. */
  procs: ProcCpu[];
  /** PostgreSQL backends connected to the bench database (all of them), summed. */
  backendsMs: number;
  /** Busy cores of the whole machine over the window, and its core count. */
  machineCores: number;
  cores: number;
  /** Runnable-but-waiting time of the server's main thread, in cores (schedstat). */
  serverRunqCores?: number;
}

export type System = 'jobplane' | 'pg-boss' | 'graphile-worker';

export interface ThroughputPhase {
  key: string;
  system: System;
  label: string;
  /** jobplane: executors; pg-boss: fetch/complete loops; Graphile Worker: concurrency. */
  concurrency: number;
  /** jobplane: claim limit; pg-boss: batchSize; Graphile Worker: 1. */
  batch: number;
  complete?: CompleteMode;
  profiled?: boolean;
  jobs: number;
  completed: number;
  /** Jobs/s from the first to the last acknowledged completion: (completed - 1) / span. */
  rate: number;
  /** Jobs/s from `go` to the last completion (start-up and the first claim included). */
  rateFromGo: number;
  spanMs: number;
  claimLatency?: Pct;
  completeLatency?: Pct;
  cpu: PhaseCpu;
  counters: QueueCounters;
  statuses: Record<string, number>;
  errors: number;
  errorSamples: string[];
  timedOut: boolean;
  notes: string[];
  check: string;
  valid: boolean;
  /** jobplane: the group commit's statements in the phase by kind, from the server's own batch-size histograms. */
  writeBatches?: Record<string, { statements: number; requests: number }>;
}

export interface HttpPhase {
  key: string;
  label: string;
  connections: number;
  seconds: number;
  load: LoadResult;
  cpu: PhaseCpu;
  counters: QueueCounters;
  check: string;
  valid: boolean;
}

export interface LatencyProbe {
  /** From sending `POST /jobs` to the idle executor's long-poll claim answering with that job, ms. */
  createToRunning: Pct;
  /** The `POST /jobs` request alone, ms. */
  create: Pct;
  /** How long the executor's claim had been parked before the create was sent, ms (random in a range). */
  idleMs: [number, number];
  /** Samples whose claim answered with another job, or empty (would be a harness or server bug). */
  mismatches: number;
}

export interface QueueRun {
  at: string;
  conditions: {
    /** The source tree the server ran from (queue-server-tree.ts). */
    serverTree: string;
    /** CPU of the idle server and its backends over 5 s with nothing sent, and the machine's meanwhile (cores). */
    idle?: { serverCores: number; backendsCores: number; machineCores: number };
    cpu: string; cores: number; node: string; pg: Record<string, string>; loadAtStart: string; loadAtEnd: string;
    loadgen: string; loadgenNote: string; jobs: number; warmupJobs: number; executorProcs: number; serverPool: number;
    batchComplete: { mode: CompleteMode; why: string }; totalSeconds: number; serverStartSeconds: number;
    pgbossVersion: string; graphileVersion: string; httpWarmupSeconds: number;
  };
  throughput: ThroughputPhase[];
  latency?: LatencyProbe;
  http: HttpPhase[];
  profile?: { phase: string; summary: ProfileSummary; own: { busyMs: number; frames: InclusiveFrame[] } };
  plan?: { requested?: number; pending: number; finished: number; seedSeconds: number; plans: ClaimPlans[]; claimAtBacklog?: Pct };
}

/** The stats of several worker processes of one phase, as one. */
export function mergeStats(all: WorkerStats[]): Omit<WorkerStats, 'cpuMs'> {
  const firsts = all.map((s) => s.firstDoneMs).filter((x): x is number => x !== null);
  const lasts = all.map((s) => s.lastDoneMs).filter((x): x is number => x !== null);
  const statuses: Record<string, number> = {};
  for (const s of all) for (const [k, v] of Object.entries(s.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  return {
    completed: all.reduce((a, s) => a + s.completed, 0),
    claimed: all.reduce((a, s) => a + s.claimed, 0),
    claims: all.reduce((a, s) => a + s.claims, 0),
    emptyClaims: all.reduce((a, s) => a + s.emptyClaims, 0),
    claimMs: all.flatMap((s) => s.claimMs),
    completeMs: all.flatMap((s) => s.completeMs),
    goMs: Math.min(...all.map((s) => s.goMs)),
    firstDoneMs: firsts.length ? Math.min(...firsts) : null,
    lastDoneMs: lasts.length ? Math.max(...lasts) : null,
    endMs: Math.max(...all.map((s) => s.endMs)),
    errors: all.reduce((a, s) => a + s.errors, 0),
    errorSamples: all.flatMap((s) => s.errorSamples).slice(0, 5),
    statuses,
    notes: [...new Set(all.flatMap((s) => s.notes))],
  };
}
