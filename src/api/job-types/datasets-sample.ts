import { bodyError, notFound } from '../../core/errors.js';
import { snapshotGet } from '../../store/snapshots.js';
import { datasetsForJob, type CreateCheck } from './create-checks.js';

/** A sample reads one snapshot of one of the caller's datasets on the job's plane: its inputs pin exactly that. */
export async function checkDatasetsSampleCreate(check: CreateCheck): Promise<void> {
  const datasetId = check.input['dataset_id'] as number;
  const snapshotId = check.input['snapshot_id'] as number;
  await datasetsForJob(check, [{ id: datasetId, pointer: '/input/dataset_id' }]);
  if (!(await snapshotGet(check.db, datasetId, snapshotId))) throw notFound(`snapshot ${snapshotId} of dataset ${datasetId}`);
  const pinned = check.inputs.length === 1 && check.inputs[0]!.dataset_id === datasetId && check.inputs[0]!.snapshot_id === snapshotId;
  if (!pinned) throw bodyError('/inputs', `must be [{"dataset_id": ${datasetId}, "snapshot_id": ${snapshotId}}]: a sample reads exactly the snapshot it names`);
}
