import os from 'node:os';
import { FAULT_KINDS, FAULT_LABELS, type FaultRecord } from './faults.js';
import type { Ledger } from './ledger.js';

export interface RunSummary {
  command: string;
  seed: number;
  jobs: number;
  /** Each job sleeps between these (ms). */
  jobMs: [number, number];
  operators: number;
  slots: number;
  leaseMs: number;
  heartbeatMs: number;
  maintenanceMs: number;
  durationMs: number;
  faults: FaultRecord[];
  ledger: Ledger;
  /** 1-minute load average samples over the run (every 5 s, first at the start, last at the end). */
  loadAverage: number[];
  /** What the spawned servers and operators ran. */
  spawnedCli: string;
  /** Late reports of zombies (SIGSTOPped operators, expired leases) that the API refused with 409 stale_lease. */
  refusedStaleReports: number;
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const seconds = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);
const leases = (ms: number | undefined, leaseMs: number) => (ms === undefined ? '-' : `${(ms / leaseMs).toFixed(2)}`);

const loadSummary = (samples: number[]) => {
  if (samples.length === 0) return 'not sampled';
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return `${samples[0]!.toFixed(2)} at the start, ${samples.at(-1)!.toFixed(2)} at the end, mean ${mean.toFixed(2)}, ` +
    `max ${Math.max(...samples).toFixed(2)} (${samples.length} samples, 5 s apart)`;
};

export function passed(s: RunSummary): boolean {
  return s.ledger.lost.length === 0 && s.ledger.doubles.length === 0 && s.ledger.stale.length === 0
    && s.ledger.mismatched.length === 0 && s.faults.every((f) => !f.timedOut);
}

export function renderReport(s: RunSummary): string {
  const l = s.ledger;
  const lines = [
    '# Chaos run',
    '',
    `\`${s.command}\` (seed ${s.seed}), ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ` +
      `Node ${process.version}, PostgreSQL of the run's own (fsync off).`,
    '',
    `${s.jobs} \`test-sleep\` jobs (${s.jobMs[0]}-${s.jobMs[1]} ms each) through ${s.operators} \`jobplane operator\` processes (${s.slots} slots each) and one ` +
      `\`jobplane serve --no-operator\`; lease ${s.leaseMs} ms, heartbeat ${s.heartbeatMs} ms, maintenance every ${s.maintenanceMs} ms. ` +
      `Jobs arrive in waves, one before each fault; a killed operator is replaced at once. Took ${seconds(s.durationMs)}. ` +
      `Spawned processes ran the ${s.spawnedCli}.`,
    '',
    `Load average (1 min) during the run, on a shared machine: ${loadSummary(s.loadAverage)}.`,
    '',
    '## Outcome',
    '',
    '| check | count | target |',
    '|---|---|---|',
    `| jobs completed | ${l.completed} / ${l.jobs} | all |`,
    `| lost (not completed at the end) | ${l.lost.length} | 0 |`,
    `| double completions (more than one \`complete\` event) | ${l.doubles.length} | 0 |`,
    `| stale completions accepted (from a lease that was not current) | ${l.stale.length} | 0 |`,
    `| results from another run than the accepted completion | ${l.mismatched.length} | 0 |`,
    `| zombie reports refused with 409 stale_lease | ${s.refusedStaleReports} | (fenced off) |`,
    `| claims (re-runs after kills and expiries included) | ${l.claims} | |`,
    `| highest attempt of a job | ${l.maxAttempt} | |`,
    '',
    '## Faults and recovery',
    '',
    'Operator faults: from the kill (or stop) until the last job the victim was running moved on (claimed by another ' +
      'executor, or completed). Restarts: from the fault until the next completion. In leases: the recovery divided by the lease.',
    '',
    '| fault | injected | jobs hit | recovery p50 | recovery max | p50 / lease | max / lease | timed out |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const kind of FAULT_KINDS) {
    const of = s.faults.filter((f) => f.kind === kind);
    const times = of.map((f) => f.recoveryMs).filter((t): t is number => t !== null);
    const p50 = percentile(times, 50);
    const max = times.length ? Math.max(...times) : undefined;
    lines.push(`| ${FAULT_LABELS[kind]} | ${of.length} | ${of.reduce((n, f) => n + f.affected, 0)} | ${seconds(p50)} | ${seconds(max)} | ` +
      `${leases(p50, s.leaseMs)} | ${leases(max, s.leaseMs)} | ${of.filter((f) => f.timedOut).length} |`);
  }
  const restarts = s.faults.filter((f) => f.downMs !== undefined);
  if (restarts.length) {
    lines.push('', 'Restarts, one by one: how long the part was down (for the API server, mostly the time its process takes to ' +
      'start), and from its being back to the next completion.', '',
      '| fault | down | back to next completion | jobs hit |', '|---|---|---|---|');
    for (const f of restarts) lines.push(`| ${FAULT_LABELS[f.kind]} | ${seconds(f.downMs)} | ${seconds(f.resumedMs)} | ${f.affected} |`);
  }
  lines.push('', `Verdict: ${passed(s) ? 'PASS' : 'FAIL'}.`);
  if (!passed(s)) {
    for (const [what, list] of [['lost', l.lost], ['double', l.doubles], ['stale', l.stale], ['mismatched', l.mismatched]] as const) {
      if (list.length) lines.push(`- ${what}: ${list.slice(0, 20).join(', ')}${list.length > 20 ? ' ...' : ''}`);
    }
  }
  lines.push('');
  return lines.join('\n');
}
