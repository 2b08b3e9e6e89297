import type { SqlRunner } from '../engine/duck-session.js';
import { bindDatasets, type DatasetBinding } from '../storage/bind-datasets.js';
import { datasetIdsOf, toAbsolute, type DataPlaneResources, type DatasetInfo } from './data-plane.js';

export interface BoundInput extends DatasetBinding {
  info: DatasetInfo;
  snapshotId: number | null;
  rowCount: number;
}

/**
 * Binds every dataset a compiled query reads to its latest committed snapshot (`ds_<id>` views on this session),
 * and returns what was bound: the lineage of the result.
 */
export async function bindInputs(
  session: SqlRunner, resources: DataPlaneResources, compiledSql: string, signal: AbortSignal,
): Promise<BoundInput[]> {
  const inputs: BoundInput[] = [];
  for (const id of datasetIdsOf(compiledSql)) {
    const info = await resources.catalog.dataset(id, signal);
    const snapshot = info.latest_snapshot_id === null ? null : await resources.catalog.snapshot(id, info.latest_snapshot_id, signal);
    inputs.push({
      datasetId: id, schema: info.schema, info, snapshotId: snapshot?.snapshot_id ?? null, rowCount: snapshot?.row_count ?? 0,
      files: (snapshot?.files ?? []).map((f) => toAbsolute(resources.storageRoot, f.path)),
    });
  }
  await bindDatasets(session, inputs, { signal });
  return inputs;
}
