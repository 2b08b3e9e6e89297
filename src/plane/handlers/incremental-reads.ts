import { isNotFound } from '../../client/errors.js';
import type { BoundInput } from './bind-inputs.js';
import { toAbsolute, type DataPlaneResources, type SnapshotInfo } from './data-plane.js';

/** `job.input.refresh` of a materialize-view refresh (src/store/view-refresh.ts writes it). */
export interface RefreshSpec {
  type: 'full' | 'incremental';
  /** What the control plane planned from: the snapshot of each input the view's current snapshot read. */
  since?: Array<{ dataset_id: number; snapshot_id: number }>;
  /** Why a refresh asked to be incremental runs in full (decided by the control plane). */
  reason?: string;
}

export type RefreshRun =
  | {
    kind: 'incremental';
    /** Per input: the snapshot the delta starts after (null: the input had none, all of it is new). */
    since: Array<{ dataset_id: number; snapshot_id: number | null }>;
    /** The bindings of the run: each input's files added since, and nothing else. */
    reads: BoundInput[];
    files: number;
    rows: number;
  }
  | { kind: 'full'; reason: string | null };

const full = (reason: string): RefreshRun => ({ kind: 'full', reason: `not incremental: ${reason}` });

/**
 * What an incremental refresh reads: for each input, the files of the snapshot it is bound to now that the snapshot
 * the view's current snapshot was computed from did not have. The view's current snapshot is the parent this run
 * appends to (the commit refuses it if the view moved meanwhile), so the delta is taken from the parent's own
 * lineage, at run time: the control plane planned when the job was created, and a retry, an overwrite import or
 * retention may have changed things since. Whatever makes the delta unknown runs the refresh in full, saying why.
 *
 * Correct because the view's query is distributive over appended input (src/nql/analyzer/incremental.ts):
 * q(old ∪ new) = q(old) ∪ q(new), and q(old) is the parent's rows.
 */
export async function incrementalReads(
  resources: DataPlaneResources, parent: SnapshotInfo | null, bound: readonly BoundInput[], signal: AbortSignal,
): Promise<RefreshRun> {
  if (!parent) return full('the view has no snapshot yet');
  const lineage = new Map((parent.inputs ?? []).map((i) => [i.dataset_id, i.snapshot_id]));
  const since: Array<{ dataset_id: number; snapshot_id: number | null }> = [];
  const reads: BoundInput[] = [];
  for (const input of bound) {
    const id = input.datasetId;
    if (!lineage.has(id)) return full(`the view's snapshot ${parent.snapshot_id} does not record which snapshot of dataset ${id} it read`);
    const used = lineage.get(id)!;
    since.push({ dataset_id: id, snapshot_id: used });
    if (used === null) {
      reads.push(input); // the input had no snapshot when the view last read it: all of it is new
      continue;
    }
    if (input.snapshotId === used) {
      reads.push({ ...input, files: [], rowCount: 0 });
      continue;
    }
    if (input.snapshotId === null) return full(`dataset ${id} has no snapshot now, but the view read its snapshot ${used}`);
    let usedSnapshot: SnapshotInfo;
    try {
      usedSnapshot = await resources.catalog.snapshot(id, used, signal);
    } catch (err) {
      if (isNotFound(err)) return full(`snapshot ${used} of dataset ${id}, which the view last read, no longer exists`);
      throw err;
    }
    const usedFiles = new Set(usedSnapshot.files.map((f) => toAbsolute(resources.storageRoot, f.path)));
    const now = new Set(input.files);
    for (const f of usedFiles) {
      if (!now.has(f)) return full(`dataset ${id} was overwritten since snapshot ${used}, not appended to`);
    }
    reads.push({ ...input, files: input.files.filter((f) => !usedFiles.has(f)), rowCount: input.rowCount - usedSnapshot.row_count });
  }
  return {
    kind: 'incremental', since, reads,
    files: reads.reduce((n, r) => n + r.files.length, 0), rows: reads.reduce((n, r) => n + r.rowCount, 0),
  };
}
