import type { Actor, Job } from '../core/job.js';
import type { Db } from './db/types.js';
import { datasetCreate, type Dataset, type NewDataset } from './datasets.js';
import { jobCreate, jobFindByIdempotencyKey, type NewJob } from './jobs.js';
import { scheduleUpsert, type ScheduleFields } from './refresh-schedules.js';

export type ViewJobResult =
  | { outcome: 'created'; job: Job; dataset: Dataset }
  /** The idempotency key was used before: the first job, and nothing new. */
  | { outcome: 'existing'; job: Job }
  | { outcome: 'name_taken' };

/**
 * CREATE MATERIALIZED VIEW: the view's dataset (pending until its first snapshot) and the materialize-view job that
 * fills it, in one transaction, so neither exists without the other. A repeated idempotency key returns the first
 * job and creates nothing, also when two repeats race (the loser's transaction rolls back).
 */
export async function viewCreateWithJob(
  db: Db, dataset: Omit<NewDataset, 'id'>, job: Omit<NewJob, 'input'> & { input: (datasetId: number) => Record<string, unknown> },
  actor: Actor, schedule?: ScheduleFields,
): Promise<ViewJobResult> {
  return db.transaction<ViewJobResult, ViewJobResult>(async (tx) => {
    if (job.idempotencyKey !== undefined) {
      const prior = await jobFindByIdempotencyKey(tx, job.companyId, job.idempotencyKey);
      if (prior) return { outcome: 'existing', job: prior };
    }
    const created = await datasetCreate(tx, dataset);
    if (!created) return tx.rollback({ outcome: 'name_taken' });
    const made = await jobCreate(tx, { ...job, input: job.input(created.id) }, actor);
    if (!made.created) return tx.rollback({ outcome: 'existing', job: made.job });
    // REFRESH_SCHEDULE: the view and its schedule exist together, or neither.
    if (schedule) await scheduleUpsert(tx, job.companyId, created.id, schedule);
    return { outcome: 'created', job: made.job, dataset: created };
  });
}
