// The claim's plan, as the server runs it: the server tree's own `jobClaim` (src/store/job-claims.ts) is called on one
// connection with `auto_explain` loaded in that session (LOAD, superuser), so that every statement the claim sends is
// explained with ANALYZE and BUFFERS as it actually executes, whatever the claim's code looks like today. The plans
// come back as NOTICEs (auto_explain.log_level = notice). Statements are named prepared statements, as the server's
// pool sends them (src/store/db/pg.ts), so after five executions PostgreSQL may switch to a generic plan: the claim is
// run `runs` times and the first and last runs are kept. Everything happens in one transaction that is rolled back
// (each run in its own savepoint), so the seeded jobs stay pending.
import pg from 'pg';
import type { ServerTree } from './queue-server-tree.js';
import { Rollback, type Queryable, type Transaction } from '../../src/store/db/types.js';

export interface PlannedStatement {
  /** The statement's text, whitespace collapsed. */
  sql: string;
  /** auto_explain's duration (the statement's execution, instrumentation included), ms. */
  ms: number;
  /** The plan with actual times and buffers. */
  plan: string;
  /** Parameters still appear as $n: PostgreSQL used its generic plan for this prepared statement. */
  generic: boolean;
}

export interface ClaimPlanRun {
  run: number;
  claimed: number;
  /** Round trips the claim made (statements, plus BEGIN/COMMIT-like savepoints not counted). */
  statements: PlannedStatement[];
  /** Wall time of the whole jobClaim call as seen by the client, ms. */
  wallMs: number;
}

export interface ClaimPlans {
  limit: number;
  runs: ClaimPlanRun[];
}

const TYPE_INT8 = 20;
const TYPE_NUMERIC = 1700;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TYPE_INT8 || oid === TYPE_NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/**
 * One auto_explain NOTICE: "duration: X ms  plan:\nQuery Text: <the statement>\n<plan>". The statement may span lines;
 * the plan starts at the first unindented line with a cost estimate (its top node).
 */
function parseNotice(message: string): PlannedStatement | undefined {
  const m = /^duration: ([\d.]+) ms\s+plan:\n(?:Query Text: )?/.exec(message);
  if (!m) return undefined;
  const rest = message.slice(m[0].length);
  const top = /^\S[^\n]*\(cost=\d/m.exec(rest);
  const sql = (top ? rest.slice(0, top.index) : rest).replace(/\s+/g, ' ').trim();
  const plan = (top ? rest.slice(top.index) : '').trimEnd();
  return { sql, ms: Number(m[1]), plan, generic: /\$\d+/.test(plan) };
}

/**
 * A store seam over one session, inside an outer transaction: statements are explained; a transaction (should the
 * claim open one) becomes a savepoint. Only what the claim uses is here: a call to anything else fails loudly.
 */
class ExplainingDb implements Queryable {
  readonly kind = 'postgres' as const;
  private readonly names = new Map<string, string>();
  private depth = 0;

  constructor(private readonly c: pg.Client) {}

  async query<T>(text: string, values?: readonly unknown[]): Promise<T[]> {
    let name = this.names.get(text);
    if (name === undefined) {
      name = `bench_claim_${this.names.size}`;
      this.names.set(text, name);
    }
    const res = await this.c.query({ name, text, values: values as unknown[] });
    return res.rows as T[];
  }

  async transaction<T, R = never>(fn: (tx: Transaction) => Promise<T | Rollback<R>>): Promise<T | R> {
    const sp = `bench_tx_${this.depth++}`;
    await this.c.query(`SAVEPOINT ${sp}`);
    try {
      const tx: Transaction = { query: (text, values) => this.query(text, values), rollback: (value) => new Rollback(value) };
      const r = await fn(tx);
      if (r instanceof Rollback) {
        await this.c.query(`ROLLBACK TO SAVEPOINT ${sp}`);
        return r.value as R;
      }
      await this.c.query(`RELEASE SAVEPOINT ${sp}`);
      return r;
    } catch (err) {
      await this.c.query(`ROLLBACK TO SAVEPOINT ${sp}`);
      throw err;
    } finally {
      this.depth--;
    }
  }

  // The claim uses none of these: a call means the claim changed shape and this adapter must learn it.
  exec(): Promise<void> { throw new Error('ExplainingDb.exec: not expected from jobClaim'); }
  withAdvisoryLock<T>(): Promise<T | undefined> { throw new Error('ExplainingDb.withAdvisoryLock: not expected from jobClaim'); }
  listen(): Promise<() => Promise<void>> { throw new Error('ExplainingDb.listen: not expected from jobClaim'); }
  notify(): Promise<void> { throw new Error('ExplainingDb.notify: not expected from jobClaim'); }
  close(): Promise<void> { return Promise.resolve(); }
}

/** Jobs a claim returned, whether as a list (the multi-statement claim) or as `{outcome, jobs}` (the one-statement one). */
function claimedCount(result: unknown): number {
  if (Array.isArray(result)) return result.length;
  const jobs = (result as { jobs?: unknown } | null)?.jobs;
  if (Array.isArray(jobs)) return jobs.length;
  throw new Error(`jobClaim answered ${JSON.stringify(result)}: the executor is not registered on the plane?`);
}

/** Explains `runs` claims of `limit` jobs by `executor` (registered, on `dataPlaneId`), all rolled back. */
export async function captureClaimPlans(url: string, jobClaim: ServerTree['jobClaim'], opts: {
  executor: string; dataPlaneId: string; limit: number; leaseMs: number; runs: number;
}): Promise<ClaimPlans> {
  const c = new pg.Client({ connectionString: url, application_name: 'jobplane-bench-plan', types });
  const notices: string[] = [];
  c.on('notice', (n) => notices.push(n.message ?? ''));
  await c.connect();
  try {
    await c.query(`LOAD 'auto_explain'`);
    for (const [k, v] of Object.entries({
      log_min_duration: '0', log_analyze: 'on', log_buffers: 'on', log_timing: 'on', log_verbose: 'off',
      log_nested_statements: 'off', log_format: 'text', log_level: 'notice',
    })) await c.query(`SET auto_explain.${k} = '${v}'`);
    await c.query('BEGIN');
    const db = new ExplainingDb(c);
    const companyId = Number((await c.query('SELECT company_id FROM data_planes WHERE id = $1', [opts.dataPlaneId])).rows[0]?.company_id);
    const runs: ClaimPlanRun[] = [];
    for (let run = 1; run <= opts.runs; run++) {
      await c.query('SAVEPOINT bench_run');
      notices.length = 0;
      const t0 = performance.now();
      const result = await jobClaim(db, {
        executor: opts.executor, dataPlaneId: opts.dataPlaneId, types: undefined, computePoolId: undefined,
        limit: opts.limit, leaseMs: opts.leaseMs, companyId,
      }, { type: 'executor', executor: opts.executor });
      const wallMs = performance.now() - t0;
      // A utility statement (not explained) after the claim: once it answers, every NOTICE sent before it has arrived.
      await c.query('ROLLBACK TO SAVEPOINT bench_run');
      const statements = notices.splice(0).map(parseNotice).filter((x): x is PlannedStatement => x !== undefined);
      runs.push({ run, claimed: claimedCount(result), statements, wallMs });
    }
    await c.query('ROLLBACK');
    return { limit: opts.limit, runs };
  } finally {
    await c.end().catch(() => {});
  }
}
