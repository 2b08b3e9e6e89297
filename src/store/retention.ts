import { TERMINAL_STATES } from '../core/job-states.js';
import type { Queryable } from './db/types.js';
import { stateIn } from './state-sql.js';

/**
 * Deletes finished jobs (and, by cascade, their events) that ended more than `olderThanMs` ago, oldest first, at
 * most `batch` per call. Finished means terminal with no automatic retry pending (a failed job waiting for its
 * retry is not finished); a job that wrote a snapshot is kept, as that snapshot's lineage. Rows another transaction
 * holds (someone is running an old failed job again) are skipped, not waited for. Deleting a job also frees its
 * idempotency key. Deletion is not a transition: the row and its events go, nothing moves through the table.
 */
export async function jobsPurgeFinished(db: Queryable, olderThanMs: number, batch = 500): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `WITH cur AS (
       SELECT j.job_id FROM jobs j
        WHERE ${stateIn('j.state', TERMINAL_STATES)} AND j.retry_at IS NULL
          AND j.ended_at < now() - $1 * interval '1 millisecond'
          AND NOT EXISTS (SELECT 1 FROM dataset_snapshots s WHERE s.job_id = j.job_id)
        ORDER BY j.ended_at LIMIT $2 FOR UPDATE SKIP LOCKED
     ), del AS (
       DELETE FROM jobs j USING cur WHERE j.job_id = cur.job_id RETURNING 1
     )
     SELECT count(*)::int AS n FROM del`,
    [olderThanMs, batch],
  );
  return rows[0]?.n ?? 0;
}
