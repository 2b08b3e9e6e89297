import type { ChaosCluster, ChaosOperator } from './cluster.js';
import type { LedgerReader } from './ledger.js';
import type { ThrowawayPostgres } from './pg-cluster.js';

export const FAULT_KINDS = ['operator_sigkill', 'operator_sigstop', 'api_restart', 'postgres_restart'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FAULT_LABELS: Record<FaultKind, string> = {
  operator_sigkill: 'operator SIGKILL',
  operator_sigstop: 'operator SIGSTOP (past the lease, then SIGCONT)',
  api_restart: 'API server SIGKILL + restart',
  postgres_restart: 'PostgreSQL crash (immediate stop) + restart',
};

export interface FaultRecord {
  kind: FaultKind;
  /** Jobs the fault hit: the victim's running jobs (operator faults), or the jobs running at the time (restarts). */
  affected: number;
  /**
   * Operator faults: from the kill/stop until the last of its jobs moved on (claimed by another executor, or
   * completed by one). Restarts: from the fault until the first job completion after the part was back. Null when nothing could be measured
   * (no job was hit), or the recovery did not happen within the timeout (then `timedOut`).
   */
  recoveryMs: number | null;
  timedOut: boolean;
  /** How long the part was down (restarts). */
  downMs?: number;
  /** Restarts: from the part being back until the first completion. */
  resumedMs?: number;
}

export interface FaultContext {
  cluster: ChaosCluster;
  pg: ThrowawayPostgres;
  ledger: LedgerReader;
  leaseMs: number;
  log: (msg: string) => void;
  /** Polls `check` until it returns a value (the runner's own waitFor, with a deadline). */
  waitFor: <T>(check: () => Promise<T | undefined>, timeoutMs: number) => Promise<T | undefined>;
}

/** The live operator running the most jobs right now (the victim that a fault hurts most), if any runs one. */
async function busiestOperator(ctx: FaultContext): Promise<{ operator: ChaosOperator; jobs: string[] } | undefined> {
  const running = await ctx.ledger.runningByExecutor();
  let best: { operator: ChaosOperator; jobs: string[] } | undefined;
  for (const operator of ctx.cluster.operators) {
    const jobs = running.get(operator.executor) ?? [];
    if (!operator.stopped && jobs.length > 0 && jobs.length > (best?.jobs.length ?? 0)) best = { operator, jobs };
  }
  return best;
}

/** The busiest operator, and the time just before its jobs were read (so that nothing they do after is missed). */
function pickVictim(ctx: FaultContext): Promise<{ operator: ChaosOperator; jobs: string[]; since: number } | undefined> {
  return ctx.waitFor(async () => {
    const since = Date.now();
    const target = await busiestOperator(ctx);
    return target && { ...target, since };
  }, 60_000);
}

async function waitForMovedOn(ctx: FaultContext, jobs: string[], since: number, victim: string): Promise<Omit<FaultRecord, 'kind'>> {
  const timeoutMs = ctx.leaseMs * 6 + 60_000;
  const moved = await ctx.waitFor(async () => {
    const m = await ctx.ledger.movedOn(jobs, since, victim);
    return m.size === jobs.length ? m : undefined;
  }, timeoutMs);
  if (!moved) return { affected: jobs.length, recoveryMs: null, timedOut: true };
  // Jobs the victim still finished (its report was already on the way) were not hit.
  const times = [...moved.values()].filter((t): t is number => t !== 'finished');
  if (times.length === 0) return { affected: 0, recoveryMs: null, timedOut: false };
  return { affected: times.length, recoveryMs: Math.max(0, Math.max(...times) - since), timedOut: false };
}

/** From the fault (`since`) until the first completion once the restarted part was back (`backAt`). */
async function waitForCompletion(ctx: FaultContext, since: number, backAt: number): Promise<{ recoveryMs: number | null; timedOut: boolean; resumedMs?: number }> {
  const at = await ctx.waitFor(() => ctx.ledger.firstCompletionAfter(backAt), ctx.leaseMs * 6 + 120_000);
  return at === undefined ? { recoveryMs: null, timedOut: true }
    : { recoveryMs: Math.max(0, at - since), timedOut: false, resumedMs: Math.max(0, at - backAt) };
}

/** Injects one fault and measures the recovery from it. */
export async function inject(kind: FaultKind, ctx: FaultContext): Promise<FaultRecord> {
  switch (kind) {
    case 'operator_sigkill': {
      const target = await pickVictim(ctx);
      if (!target) return { kind, affected: 0, recoveryMs: null, timedOut: false };
      const { since } = target;
      await ctx.cluster.killOperator(target.operator); // and a replacement starts
      return { kind, ...(await waitForMovedOn(ctx, target.jobs, since, target.operator.executor)) };
    }
    case 'operator_sigstop': {
      const target = await pickVictim(ctx);
      if (!target) return { kind, affected: 0, recoveryMs: null, timedOut: false };
      const { since } = target;
      target.operator.stopped = true;
      target.operator.proc.signal('SIGSTOP');
      try {
        // Frozen past its lease: its jobs expire and run elsewhere; woken, it is a zombie whose reports are fenced off.
        return { kind, ...(await waitForMovedOn(ctx, target.jobs, since, target.operator.executor)) };
      } finally {
        target.operator.proc.signal('SIGCONT');
        target.operator.stopped = false;
      }
    }
    case 'api_restart': {
      const running = [...(await ctx.ledger.runningByExecutor()).values()].flat().length;
      const since = Date.now();
      await ctx.cluster.restartServer();
      const backAt = Date.now();
      return { kind, affected: running, downMs: backAt - since, ...(await waitForCompletion(ctx, since, backAt)) };
    }
    case 'postgres_restart': {
      const running = [...(await ctx.ledger.runningByExecutor()).values()].flat().length;
      const since = Date.now();
      await ctx.pg.stop('immediate');
      // Down for a moment, as a real restart or failover is: the API answers 5xx, operators retry with backoff.
      await new Promise((r) => setTimeout(r, 2_000));
      await ctx.pg.start();
      const backAt = Date.now();
      return { kind, affected: running, downMs: backAt - since, ...(await waitForCompletion(ctx, since, backAt)) };
    }
  }
}

/** The faults of a run of `jobs` jobs, interleaved by a seeded shuffle; every kind at least once. */
export function faultPlan(jobs: number, random: () => number, counts?: Partial<Record<FaultKind, number>>): FaultKind[] {
  const n: Record<FaultKind, number> = {
    operator_sigkill: counts?.operator_sigkill ?? Math.max(4, Math.round(jobs / 250)),
    operator_sigstop: counts?.operator_sigstop ?? Math.max(2, Math.round(jobs / 1500)),
    api_restart: counts?.api_restart ?? Math.max(1, Math.round(jobs / 3000)),
    postgres_restart: counts?.postgres_restart ?? Math.max(1, Math.round(jobs / 5000)),
  };
  const plan = FAULT_KINDS.flatMap((k) => Array.from({ length: n[k] }, () => k));
  for (let i = plan.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [plan[i], plan[j]] = [plan[j]!, plan[i]!];
  }
  return plan;
}
