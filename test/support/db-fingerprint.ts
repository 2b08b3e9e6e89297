import type { Db } from '../../src/store/db/types.js';

const TABLES = ['companies', 'users', 'data_planes', 'compute_pools', 'access_tokens', 'executors', 'jobs', 'job_events', 'datasets', 'dataset_snapshots', 'column_stats'];

/**
 * Columns the server's background work fills in after a commit, whatever the request: the event sequencer stamps
 * each new event's feed position (`seq`) within a poll interval. A request that changed nothing leaves the rest.
 */
const BACKGROUND_COLUMNS: Record<string, string[]> = { job_events: ['seq'] };
const rowText = (table: string) => {
  const skip = BACKGROUND_COLUMNS[table];
  return skip ? `(to_jsonb(t) - ${skip.map((c) => `'${c}'`).join(' - ')})::text` : 't::text';
};

/** A digest of every row of every table: equal before and after means the requests changed nothing. */
export async function dbFingerprint(db: Db): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const rows = await db.query<{ digest: string | null; n: number }>(
      `SELECT md5(string_agg(${rowText(table)}, '|' ORDER BY ${rowText(table)})) AS digest, count(*)::int AS n FROM ${table} t`,
    );
    out[table] = `${rows[0]!.n}:${rows[0]!.digest}`;
  }
  return out;
}
