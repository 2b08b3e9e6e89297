import type { Static } from 'typebox';
import { bodyError, DomainError } from '../../core/errors.js';
import type { Actor, Job, JobInput } from '../../core/job.js';
import type { Db } from '../../store/db/types.js';
import type { JobScope } from '../../store/job-columns.js';
import type { Fence, TransitionResult } from '../../store/job-transitions.js';
import { snapshotCommitWithJob } from '../../store/snapshots.js';
import { dataPlaneGetById } from '../../store/data-planes.js';
import type { SnapshotManifest } from '../schemas/datasets.js';
import { datasetsForJob, type CreateCheck } from './create-checks.js';

/** The dataset a materialize-view job writes: the caller's, on the job's plane. */
export async function checkMaterializeViewCreate(check: CreateCheck): Promise<void> {
  await datasetsForJob(check, [{ id: check.input['dataset_id'] as number, pointer: '/input/dataset_id' }]);
}

/** A completion that carries more than a result: committed with the completion, atomically, by its job type. */
export interface CompletionWithExtras {
  db: Db;
  jobId: string;
  scope: JobScope;
  fence: Fence;
  result: Record<string, unknown>;
  /** A materialize-view run's new snapshot. */
  manifest?: Static<typeof SnapshotManifest> | undefined;
  /** A statistics recalculation's statistics. */
  columnStats?: { recalculation_id: string; snapshot_id: number; stats: Record<string, unknown> } | undefined;
  inputs: JobInput[] | undefined;
  actor: Actor;
}

/**
 * Completes a materialize-view job together with the snapshot it wrote, in one transaction: a snapshot is visible
 * if and only if its job completed. The manifest must describe the job's own dataset (the one its input names,
 * which the create checked is the job's company's) and its result.
 */
export async function completeWithSnapshot(c: CompletionWithExtras, job: Job): Promise<TransitionResult> {
  const { manifest } = c;
  if (!manifest) throw bodyError('/snapshot', 'is required: a materialize-view completion commits its snapshot');
  if (c.columnStats) throw bodyError('/column_stats', 'is not accepted here: a view\'s statistics come inside its snapshot');
  if (manifest.dataset_id !== job.input['dataset_id']) throw bodyError('/snapshot/dataset_id', 'must be the job\'s dataset_id');
  if (c.result['snapshot_id'] !== manifest.snapshot_id) throw bodyError('/result/snapshot_id', 'must be the snapshot\'s snapshot_id');
  if (c.result['dataset_id'] !== undefined && c.result['dataset_id'] !== manifest.dataset_id) {
    throw bodyError('/result/dataset_id', 'must be the job\'s dataset_id');
  }
  // Each engine names its files its own way (schemas/datasets.ts SnapshotFile): DuckDB snapshot directories, or
  // the dataset's Iceberg table on a Spark plane.
  const engine = (await dataPlaneGetById(c.db, job.data_plane_id))?.engine;
  const prefix = engine === 'spark' ? `datasets/ds_${manifest.dataset_id}/data/` : `datasets/${manifest.dataset_id}/snapshots/`;
  const foreign = manifest.files.findIndex((f) => !f.path.startsWith(prefix));
  if (foreign >= 0) throw bodyError(`/snapshot/files/${foreign}/path`, `must be under ${prefix}`);
  const stats = manifest.column_stats
    ? { recalculationId: manifest.column_stats.recalculation_id, stats: manifest.column_stats.stats as Record<string, unknown> }
    : undefined;
  const committed = await snapshotCommitWithJob(c.db, c.jobId, c.scope, c.fence, c.result, {
    snapshotId: manifest.snapshot_id, datasetId: manifest.dataset_id, parentSnapshotId: manifest.parent_snapshot_id,
    operation: manifest.operation, files: manifest.files, rowCount: manifest.row_count, bytes: manifest.bytes,
    jobId: c.jobId, inputs: manifest.inputs,
  }, stats, c.actor, c.inputs);
  switch (committed.outcome) {
    case 'committed':
      return { outcome: 'applied', job: committed.job, from: job.state };
    case 'job':
      return committed.result;
    case 'parent_moved':
      throw new DomainError('conflict', `dataset ${manifest.dataset_id} got a newer snapshot than ${manifest.parent_snapshot_id} meanwhile; fail the attempt as retryable to rebuild on it`);
  }
}
