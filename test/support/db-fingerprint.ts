import type { Db } from '../../src/store/db/types.js';

const TABLES = ['companies', 'users', 'data_planes', 'compute_pools', 'access_tokens', 'executors', 'jobs', 'job_events', 'datasets', 'dataset_snapshots', 'column_stats'];

/** A digest of every row of every table: equal before and after means the requests changed nothing. */
export async function dbFingerprint(db: Db): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const rows = await db.query<{ digest: string | null; n: number }>(
      `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest, count(*)::int AS n FROM ${table} t`,
    );
    out[table] = `${rows[0]!.n}:${rows[0]!.digest}`;
  }
  return out;
}
