import pg from 'pg';

/**
 * What the database says happened to the run's jobs, from `jobs` and `job_events` (every transition is an event
 * written in the same transaction as the transition, so the events are the ledger).
 */
export interface Ledger {
  jobs: number;
  completed: number;
  /** Jobs not completed at the end (still pending/running, or failed for good). */
  lost: string[];
  /** Jobs with more than one `complete` event. */
  doubles: string[];
  /**
   * Completions accepted from a lease that was not current: a `complete` event whose (executor, attempt) is not
   * the one a claim/run of that job handed out, or whose attempt is not the job's last.
   */
  stale: string[];
  /** The handler's result names another executor or attempt than the accepted completion (it ran, but someone else's report won). */
  mismatched: string[];
  /** Claims in all (more than `jobs`: re-runs after kills and expired leases). */
  claims: number;
  /** Highest attempt any job needed. */
  maxAttempt: number;
}

export class LedgerReader {
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string, private readonly keyPrefix: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    // A restart of PostgreSQL breaks idle connections: the pool drops them and connects again on the next query.
    this.pool.on('error', () => {});
  }

  private get like(): string {
    return `${this.keyPrefix}%`;
  }

  async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query<T>(sql, params)).rows;
  }

  /** Running jobs of the run, by executor. */
  async runningByExecutor(): Promise<Map<string, string[]>> {
    const rows = await this.query<{ executor: string; jobs: string[] }>(
      `SELECT executor, array_agg(job_id::text) AS jobs FROM jobs WHERE state = 'running' AND idempotency_key LIKE $1 GROUP BY executor`, [this.like]);
    return new Map(rows.map((r) => [r.executor, r.jobs]));
  }

  async counts(): Promise<Record<string, number>> {
    const rows = await this.query<{ state: string; n: number }>(
      `SELECT state, count(*)::int AS n FROM jobs WHERE idempotency_key LIKE $1 GROUP BY state`, [this.like]);
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  /**
   * For each of `jobIds`, what happened to it after `since` (ms): `finished` when `victim` itself still completed it
   * (a report already on its way: the fault did not hit that job), else when it first moved on: claimed, run or
   * completed by another executor. Jobs that did neither yet are absent.
   */
  async movedOn(jobIds: readonly string[], since: number, victim: string): Promise<Map<string, number | 'finished'>> {
    const rows = await this.query<{ job_id: string; other: Date | null; own: Date | null }>(
      // The victim's own completion counts whenever it was stamped: its transaction may have begun before `since`.
      `SELECT job_id::text,
              min(at) FILTER (WHERE at >= to_timestamp($2 / 1000.0) AND executor IS DISTINCT FROM $3
                                AND action IN ('claim', 'run', 'complete')) AS other,
              min(at) FILTER (WHERE executor = $3 AND action = 'complete') AS own
         FROM job_events WHERE job_id = ANY($1::uuid[])
        GROUP BY job_id`, [jobIds, since, victim]);
    const out = new Map<string, number | 'finished'>();
    for (const r of rows) {
      if (r.own && (!r.other || r.own <= r.other)) out.set(r.job_id, 'finished');
      else if (r.other) out.set(r.job_id, r.other.getTime());
    }
    return out;
  }

  /** When the first job of the run was completed after `since` (ms), if one was. */
  async firstCompletionAfter(since: number): Promise<number | undefined> {
    const rows = await this.query<{ at: Date | null }>(
      `SELECT min(e.at) AS at FROM job_events e JOIN jobs j USING (job_id)
        WHERE e.action = 'complete' AND e.at >= to_timestamp($2 / 1000.0) AND j.idempotency_key LIKE $1`, [this.like, since]);
    return rows[0]?.at?.getTime();
  }

  async read(): Promise<Ledger> {
    const jobs = await this.query<{ job_id: string; state: string; attempt: number; result: Record<string, unknown> | null; completes: number; c_attempt: number | null; c_executor: string | null; claims: number }>(
      `SELECT j.job_id::text, j.state, j.attempt, j.result,
              (SELECT count(*)::int FROM job_events e WHERE e.job_id = j.job_id AND e.action = 'complete') AS completes,
              (SELECT max(e.attempt) FROM job_events e WHERE e.job_id = j.job_id AND e.action = 'complete') AS c_attempt,
              (SELECT max(e.executor) FROM job_events e WHERE e.job_id = j.job_id AND e.action = 'complete') AS c_executor,
              (SELECT count(*)::int FROM job_events e WHERE e.job_id = j.job_id AND e.action IN ('claim', 'run')) AS claims
         FROM jobs j WHERE j.idempotency_key LIKE $1`, [this.like]);
    const stale = await this.query<{ job_id: string }>(
      `SELECT DISTINCT e.job_id::text FROM job_events e JOIN jobs j USING (job_id)
        WHERE j.idempotency_key LIKE $1 AND e.action = 'complete'
          AND (e.attempt <> j.attempt OR NOT EXISTS (
                SELECT 1 FROM job_events c WHERE c.job_id = e.job_id AND c.action IN ('claim', 'run')
                   AND c.attempt = e.attempt AND c.executor = e.executor))`, [this.like]);
    return {
      jobs: jobs.length,
      completed: jobs.filter((j) => j.state === 'completed').length,
      lost: jobs.filter((j) => j.state !== 'completed').map((j) => `${j.job_id} (${j.state})`),
      doubles: jobs.filter((j) => j.completes > 1).map((j) => j.job_id),
      stale: stale.map((s) => s.job_id),
      mismatched: jobs.filter((j) => j.state === 'completed' && j.result
        && (j.result['executor'] !== j.c_executor || j.result['attempt'] !== j.c_attempt)).map((j) => j.job_id),
      claims: jobs.reduce((n, j) => n + j.claims, 0),
      maxAttempt: jobs.reduce((m, j) => Math.max(m, j.attempt), 0),
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
