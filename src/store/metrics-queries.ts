import type { Queryable } from './db/types.js';

/** What the Prometheus gauges report at scrape time, read from the database so every API server tells the same. */
export function jobCountsByStateAndType(db: Queryable): Promise<Array<{ state: string; type: string; n: number }>> {
  return db.query('SELECT state, type, count(*)::int AS n FROM jobs GROUP BY state, type');
}

export function executorCountsByStatus(db: Queryable): Promise<Array<{ status: string; n: number }>> {
  return db.query('SELECT status, count(*)::int AS n FROM executors GROUP BY status');
}

/** Whether the database answers (readiness). */
export async function databaseAnswers(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}
