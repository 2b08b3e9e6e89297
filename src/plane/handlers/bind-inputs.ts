import type { JobInputRef } from '../../client/types.js';
import type { SqlRunner } from '../engine/duck-session.js';
import { bindDatasets, type DatasetBinding } from '../storage/bind-datasets.js';
import { toAbsolute, type DataPlaneResources, type DatasetInfo } from './data-plane.js';

export interface BoundInput extends DatasetBinding {
  info: DatasetInfo;
  snapshotId: number | null;
  rowCount: number;
}

/**
 * Binds every dataset the job reads (`job.inputs`, as the control plane resolved them) to a committed snapshot:
 * the pinned one, or the dataset's latest. The bindings are `ds_<id>` views on this session; a relation the SQL
 * names but the job does not list stays unbound, and the engine refuses it. Returns what was bound: the lineage.
 */
export async function bindInputs(
  session: SqlRunner, resources: DataPlaneResources, inputs: readonly JobInputRef[], signal: AbortSignal,
): Promise<BoundInput[]> {
  const bound = await resolveInputs(resources, inputs, signal);
  await bindDatasets(session, bound, { signal });
  return bound;
}

/** The snapshot (and its files) each input of the job is read at, without binding anything yet. */
export async function resolveInputs(
  resources: DataPlaneResources, inputs: readonly JobInputRef[], signal: AbortSignal,
): Promise<BoundInput[]> {
  const bound: BoundInput[] = [];
  for (const input of inputs) {
    const info = await resources.catalog.dataset(input.dataset_id, signal);
    const snapshotId = input.snapshot_id ?? info.latest_snapshot_id;
    const snapshot = snapshotId === null ? null : await resources.catalog.snapshot(info.id, snapshotId, signal);
    bound.push({
      datasetId: info.id, schema: info.schema, info, snapshotId: snapshot?.snapshot_id ?? null, rowCount: snapshot?.row_count ?? 0,
      files: (snapshot?.files ?? []).map((f) => toAbsolute(resources.storageRoot, f.path)),
    });
  }
  return bound;
}

/** What the plane tells the control plane it read: Job.inputs with the snapshots bound. */
export const lineageOf = (bound: readonly BoundInput[]): JobInputRef[] =>
  bound.map((b) => ({ dataset_id: b.datasetId, snapshot_id: b.snapshotId }));
