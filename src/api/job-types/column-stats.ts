import { bodyError, DomainError } from '../../core/errors.js';
import type { Job } from '../../core/job.js';
import { columnStatsCommitWithJob } from '../../store/snapshots.js';
import type { TransitionResult } from '../../store/job-transitions.js';
import type { CreateCheck } from './create-checks.js';
import { checkDatasetsSampleCreate } from './datasets-sample.js';
import type { CompletionWithExtras } from './materialize-view.js';

/** A recalculation reads one snapshot of one of the caller's datasets, pinned in its inputs, like a sample. */
export const checkColumnStatsCreate = (check: CreateCheck): Promise<void> => checkDatasetsSampleCreate(check);

/**
 * Completes a `datasets_calculate_column_stats` job with the statistics it computed, in one transaction: they are
 * stored under the job's recalculation id for the snapshot its input names.
 */
export async function completeWithColumnStats(c: CompletionWithExtras, job: Job): Promise<TransitionResult> {
  const stats = c.columnStats;
  if (!stats) throw bodyError('/column_stats', 'is required: a recalculation completes with the statistics it computed');
  if (c.manifest) throw bodyError('/snapshot', `is not accepted for ${job.type} jobs`);
  if (stats.recalculation_id !== job.input['recalculation_id']) throw bodyError('/column_stats/recalculation_id', 'must be the job\'s recalculation_id');
  if (stats.snapshot_id !== job.input['snapshot_id']) throw bodyError('/column_stats/snapshot_id', 'must be the job\'s snapshot_id');
  const committed = await columnStatsCommitWithJob(c.db, c.jobId, c.scope, c.fence, c.result, {
    recalculationId: stats.recalculation_id, stats: stats.stats, datasetId: job.input['dataset_id'] as number, snapshotId: stats.snapshot_id,
  }, c.actor);
  switch (committed.outcome) {
    case 'committed':
      return { outcome: 'applied', job: committed.job, from: job.state };
    case 'job':
      return committed.result;
    case 'snapshot_gone':
      throw new DomainError('conflict', `snapshot ${stats.snapshot_id} no longer exists; nothing to store statistics for`);
  }
}
