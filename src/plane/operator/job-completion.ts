import type { ColumnStatsCompletion, JobInputRef, JsonObject, SnapshotManifest } from '../../client/types.js';

export interface CompletionExtras {
  /** A materialize-view run's snapshot: the server commits it with the completion, in one transaction. */
  snapshot?: SnapshotManifest | undefined;
  /** A datasets_calculate_column_stats run's statistics: stored with the completion, in one transaction. */
  columnStats?: ColumnStatsCompletion | undefined;
  /** The snapshot each input was bound to (lineage): sent with the completion as Job.inputs. */
  inputs?: JobInputRef[] | undefined;
  /**
   * Deletes what the run wrote, called only when the server is known to have refused the completion (fenced out,
   * or the result was rejected). Never called when the outcome is unknown: an orphan sweep is safer than deleting a
   * snapshot that may have been committed.
   */
  discard?: (() => Promise<void>) | undefined;
  /**
   * Called once the runner is done with the completion, whatever came of it (committed, refused, or given up on):
   * the run may release what it held for it (e.g. stop keeping its files young for the orphan sweep).
   */
  release?: (() => void) | undefined;
}

/** What a handler returns when its completion carries more than a result. */
export class JobCompletion<R extends JsonObject = JsonObject> {
  constructor(readonly result: R, readonly extras: CompletionExtras = {}) {}
}

export const completeWith = <R extends JsonObject>(result: R, extras: CompletionExtras = {}) => new JobCompletion(result, extras);
