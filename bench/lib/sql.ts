// The exact SQL the server sends for `POST /jobs/{id}/run`, captured from the project's own store functions
// (a Queryable that records instead of executing), and turned into pgbench scripts.
import { jobRun } from '../../src/store/job-transitions.js';
import { jobRunMany } from '../../src/store/job-batches.js';
import { tokenFindByValue } from '../../src/store/tokens.js';
import type { Actor } from '../../src/core/job.js';
import type { Queryable } from '../../src/store/db/types.js';

interface Captured {
  text: string;
  values: unknown[];
}

function recorder(): { db: Queryable; seen: Captured[] } {
  const seen: Captured[] = [];
  const db: Queryable = {
    query: async <T>(text: string, values?: readonly unknown[]) => {
      seen.push({ text, values: [...(values ?? [])] });
      return [] as T[];
    },
  };
  return { db, seen };
}

export interface CapturedSql {
  /** The one statement `run` sends on success (the CTE: lock, update, event). */
  run: Captured;
  /** The auth hook's token lookup, sent before every authenticated request. */
  auth: Captured;
  /** The statement a batch of `run` requests shares (src/store/job-batches.ts). */
  runMany: Captured;
}

export async function captureServerSql(opts: {
  companyId: number; executor: string; leaseMs: number; actor: Actor; token: string;
}): Promise<CapturedSql> {
  const r1 = recorder();
  // Matches nothing, so jobRun goes on to explainMiss: the first statement is the success-path CTE.
  await jobRun(r1.db, '00000000-0000-0000-0000-000000000000', { companyId: opts.companyId }, opts.executor, opts.leaseMs,
    opts.actor);
  const r2 = recorder();
  await tokenFindByValue(r2.db, opts.token);
  const r3 = recorder();
  await jobRunMany(r3.db, [1, 2].map(() => ({
    jobId: '00000000-0000-0000-0000-000000000000', scope: { companyId: opts.companyId }, executor: opts.executor, actor: opts.actor,
  })), opts.leaseMs);
  if (!r1.seen[0] || !r2.seen[0] || !r3.seen[0]) throw new Error('could not capture the server SQL');
  return { run: r1.seen[0], auth: r2.seen[0], runMany: r3.seen[0] };
}

/** pgbench substitutes `:name` everywhere, string literals included: spell the colons in literals as `\072`. */
function hideLiteralColons(sql: string): string {
  return sql.replace(/'([^']*)'/g, (whole, body: string) => (body.includes(':') ? `E'${body.replaceAll(':', '\\072')}'` : whole));
}

function pgValue(v: unknown): string {
  if (Array.isArray(v)) return `{${v.map((x) => String(x)).join(',')}}`;
  return String(v);
}

/**
 * Turns a captured statement into pgbench SQL: `$k` becomes the variable `:<prefix>k` (sent as a parameter in
 * extended/prepared mode, like node-pg does), except the parameters listed in `inline`, replaced by SQL text.
 * Returns the SQL and the `-D name=value` definitions.
 */
export function toPgbench(c: Captured, prefix: string, inline: Record<number, string> = {}): { sql: string; defines: string[] } {
  const defines: string[] = [];
  const sql = hideLiteralColons(c.text).replace(/\$(\d+)/g, (_m, d: string) => {
    const k = Number(d);
    if (inline[k] !== undefined) return inline[k]!;
    return `:${prefix}${k}`;
  });
  c.values.forEach((v, i) => {
    if (inline[i + 1] === undefined) defines.push(`${prefix}${i + 1}=${pgValue(v)}`);
  });
  return { sql: `${sql.trim()};`, defines };
}

/**
 * The per-client counter that gives every transaction a distinct row: client c's k-th transaction uses
 * n = base + c + clients * (k - 1) + 1. pgbench keeps a client's variables across its transactions, `-D k=0`
 * starts them. Row n of the helper table `bench_pgb(n PRIMARY KEY, job_id)` names a pending job.
 */
export const DISTINCT_ROW = '\\set k :k + 1\n\\set n :base + :client_id + :nclients * (:k - 1) + 1\n';
export const ROW_JOB_ID = '(SELECT job_id FROM bench_pgb WHERE n = :n)';

/** Like DISTINCT_ROW, for transactions of `rows` jobs each: rows n .. n + rows - 1, disjoint across transactions. */
export const distinctRows = (rows: number) => `\\set k :k + 1\n\\set n :base + (:client_id + :nclients * (:k - 1)) * ${rows} + 1\n`;

/**
 * The batch statement's parameters as pgbench SQL for `rows` jobs from bench_pgb (from row :n), every request with
 * the same executor, company and actor (pgbench variables :exec, :company, :actor); the lease and the allowed states
 * stay parameters.
 */
export const batchInline = (rows: number): Record<number, string> => ({
  1: `(SELECT array_agg(job_id ORDER BY n) FROM bench_pgb WHERE n BETWEEN :n AND :n + ${rows - 1})`,
  2: `array_fill(:exec::text, ARRAY[${rows}])`,
  3: `array_fill(:company::bigint, ARRAY[${rows}])`,
  4: `array_fill(NULL::uuid, ARRAY[${rows}])`,
  5: `array_fill(:actor::text, ARRAY[${rows}])`,
});

/** "The limit": the single-row UPDATE the brief names, no CTE, no event row, no formatting. */
export const LIMIT_SQL = `UPDATE jobs SET state = 'running', executor = :exec, attempt = attempt + 1, dequeued_at = now(),
  lease_expires_at = now() + interval '1 hour', ended_at = NULL, retry_at = NULL, cancel_requested_at = NULL,
  updated_at = now()
  WHERE job_id = ${ROW_JOB_ID} AND state IN ('pending', 'failed') RETURNING *;`;
