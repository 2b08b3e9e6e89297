/**
 * How a materialized view is refreshed: the decision between reusing its current snapshot, an incremental refresh
 * and a full one, from what the control plane knows (pure: the store reads the facts, this decides).
 */

export const REFRESH_TYPES = ['full', 'incremental'] as const;
export type RefreshType = (typeof REFRESH_TYPES)[number];

/** What a view keeps of its definition (`datasets.materialized_view_config`). */
export interface MaterializedViewConfig {
  nql: string;
  /** The SQL its refreshes run, in the dialect of its data plane. */
  compiled_sql?: string;
  dialect?: string;
  /** The datasets its query reads. */
  input_dataset_ids?: number[];
  /** Whether the query is distributive over appended input (src/nql/analyzer/incremental.ts), and if not why. */
  incremental?: { eligible: boolean; reason?: string };
  stats_enabled?: boolean;
}

/** One input of a view: the snapshot its current snapshot was computed from, and the input's latest now. */
export interface RefreshInputFacts {
  datasetId: number;
  /** Whether the view's current snapshot records what it read of this input (its lineage lists the input). */
  read: boolean;
  /** The snapshot of the input the view's current snapshot read; null when the input had none (or not `read`). */
  usedSnapshotId: number | null;
  /** The input's latest snapshot now; null if it has none. */
  latestSnapshotId: number | null;
  /** Whether the latest snapshot only appended files to the used one (its files include all of the used one's). */
  appendedSinceUsed: boolean;
}

export type RefreshPlan =
  | { kind: 'reuse'; snapshotId: number; inputs: Array<{ dataset_id: number; snapshot_id: number | null }> }
  /** `since`: the snapshot each input was last read at; an input it does not list had none then and is read whole. */
  | { kind: 'incremental'; since: Array<{ dataset_id: number; snapshot_id: number }> }
  | { kind: 'full'; reason: string | null };

/**
 * - reuse: the view has a snapshot, and every input's latest snapshot is the one that snapshot was computed from
 *   (nothing changed): unless `force`, the refresh completes at once with the same snapshot;
 * - incremental, when asked for and possible: the query is distributive, every input has lineage and only appended
 *   since; the refresh reads the added files and appends its rows;
 * - full otherwise, saying why an incremental refresh was not possible (null when a full one was asked for).
 */
export function planRefresh(opts: {
  requested: RefreshType;
  force: boolean;
  viewSnapshotId: number | null;
  config: MaterializedViewConfig;
  inputs: readonly RefreshInputFacts[];
}): RefreshPlan {
  const { viewSnapshotId, inputs } = opts;
  const known = viewSnapshotId !== null && inputs.every((i) => i.read);
  if (!opts.force && known && inputs.every((i) => i.latestSnapshotId === i.usedSnapshotId)) {
    return { kind: 'reuse', snapshotId: viewSnapshotId, inputs: inputs.map((i) => ({ dataset_id: i.datasetId, snapshot_id: i.usedSnapshotId })) };
  }
  if (opts.requested === 'full') return { kind: 'full', reason: null };
  if (opts.config.incremental?.eligible !== true) {
    return { kind: 'full', reason: `not incremental: ${opts.config.incremental?.reason ?? 'the view\'s query was not checked for it'}` };
  }
  if (opts.config.dialect !== undefined && opts.config.dialect !== 'duckdb') {
    // Only the DuckDB plane's handler reads appended files alone (src/plane/handlers/incremental-reads.ts).
    return { kind: 'full', reason: `not incremental: the view runs on a ${opts.config.dialect} plane, whose refreshes read their inputs whole` };
  }
  if (viewSnapshotId === null) return { kind: 'full', reason: 'not incremental: the view has no snapshot yet' };
  const unknown = inputs.find((i) => !i.read);
  if (unknown) return { kind: 'full', reason: `not incremental: which snapshot of dataset ${unknown.datasetId} the view read is not known` };
  const rewritten = inputs.find((i) => !i.appendedSinceUsed);
  if (rewritten) {
    return { kind: 'full', reason: `not incremental: dataset ${rewritten.datasetId} was overwritten since snapshot ${rewritten.usedSnapshotId}, not appended to` };
  }
  const since = inputs.flatMap((i) => (i.usedSnapshotId === null ? [] : [{ dataset_id: i.datasetId, snapshot_id: i.usedSnapshotId }]));
  return { kind: 'incremental', since };
}

/** Whether `latest` only added files to `used` (append): every file of `used` is still in `latest`. */
export function appendedOnly(usedFiles: readonly string[], latestFiles: readonly string[]): boolean {
  const latest = new Set(latestFiles);
  return usedFiles.every((f) => latest.has(f));
}
