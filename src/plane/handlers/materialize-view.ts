import { randomUUID } from 'node:crypto';
import { computeColumnStats } from '../engine/column-stats.js';
import { snapshotDir, newSnapshotId } from '../storage/snapshot-layout.js';
import { deleteSnapshotDir, writeSnapshot } from '../storage/write-snapshot.js';
import { keepAttemptAlive } from '../storage/sweep-orphans.js';
import { manifestFor } from '../../core/snapshot-manifest.js';
import { lineageOf, resolveInputs } from './bind-inputs.js';
import { incrementalReads, type RefreshRun, type RefreshSpec } from './incremental-reads.js';
import { bindDatasets } from '../storage/bind-datasets.js';
import { toAbsolute, toRelative, type DataPlaneResources } from './data-plane.js';
import { planeResources } from './plane-engine.js';
import { completeWith } from '../operator/job-completion.js';
import type { HandlerEnv, JobHandler } from '../operator/types.js';
import type { JobInputRef, JsonObject } from '../../client/types.js';

export interface MaterializeInput {
  nql: string;
  dataset_id: number;
  stats_enabled: boolean;
  compiled_sql: string;
  /** A refresh of the view (absent for the run CREATE MATERIALIZED VIEW made): full, or incremental since snapshots. */
  refresh?: RefreshSpec;
}

/** What a refresh ran (Job.result.refresh): incremental with what it read, or full with why it was not incremental. */
export type RefreshReport =
  | { type: 'incremental'; since: Array<{ dataset_id: number; snapshot_id: number | null }>; files_read: number; rows_read: number }
  | { type: 'full'; reason?: string };

/** A finished run whose snapshot is written but not yet visible: the operator commits it with the job. */
export interface MaterializeOutcome {
  result: { dataset_id: number; snapshot_id: number; recalculation_id: string | null; refresh?: RefreshReport };
  snapshot: {
    snapshot_id: number;
    dataset_id: number;
    parent_snapshot_id: number | null;
    operation: 'append' | 'overwrite';
    files: Array<{ path: string; rows: number; bytes: number }>;
    row_count: number;
    bytes: number;
    inputs: Array<{ dataset_id: number; snapshot_id: number | null }>;
    column_stats?: { recalculation_id: string; stats: Record<string, unknown> };
  };
  /** The snapshot each input was bound to (Job.inputs with snapshot ids), reported with the completion. */
  inputs: JobInputRef[];
  /** Deletes the files this run wrote: called when the commit is refused (fenced out, cancelled). */
  discard(): Promise<void>;
  /** Stops keeping the attempt's directory young for the orphan sweep: once the commit is settled either way. */
  release(): void;
}

/**
 * Runs a materialize-view job: binds its inputs to their latest snapshots, runs the compiled SQL into a new
 * snapshot directory (columns cast to the view's schema), computes column statistics when asked, and returns the
 * manifest to commit. Nothing becomes visible here; on any error or abort the directory is deleted.
 *
 * An incremental refresh binds each input to only the files added since the snapshots the view's current snapshot
 * was computed from (incremental-reads.ts) and appends the rows to that snapshot, whatever the view's write_mode: its
 * rows are then those a full run over the same inputs gives. When that cannot be known it runs in full, and the
 * result says why (result.refresh).
 */
export async function materializeView(
  input: MaterializeInput, reads: readonly JobInputRef[], resources: DataPlaneResources, signal: AbortSignal,
  progress: (update: Record<string, unknown>) => void,
): Promise<MaterializeOutcome> {
  const target = await resources.catalog.dataset(input.dataset_id, signal);
  const parent = target.latest_snapshot_id === null ? null
    : await resources.catalog.snapshot(target.id, target.latest_snapshot_id, signal);
  const snapshotId = newSnapshotId();
  const outDir = snapshotDir(resources.storageRoot, target.id, snapshotId);
  const session = await resources.engine.session();
  // Until its commit is settled the attempt's directory must look alive to every orphan sweep on this storage,
  // including through a join that writes nothing for a long time.
  const release = keepAttemptAlive(outDir, resources.attemptKeepAliveMs);
  try {
    const inputs = await resolveInputs(resources, reads, signal);
    const run: RefreshRun = input.refresh?.type === 'incremental'
      ? await incrementalReads(resources, parent, inputs, signal)
      : { kind: 'full', reason: input.refresh?.reason ?? null };
    await bindDatasets(session, run.kind === 'incremental' ? run.reads : inputs, { signal });
    progress({
      phase: 'query', refresh: run.kind,
      inputs: inputs.map((i) => ({ dataset_id: i.datasetId, snapshot_id: i.snapshotId })),
      ...(run.kind === 'incremental' ? { files_read: run.files, rows_read: run.rows } : {}),
    });
    const written = await writeSnapshot(session, { sql: input.compiled_sql, outDir, schema: target.schema, signal });
    const previous = parent && {
      files: parent.files.map((f) => ({ ...f, path: toAbsolute(resources.storageRoot, f.path) })),
      rowCount: parent.row_count,
      bytes: parent.files.reduce((s, f) => s + f.bytes, 0),
    };
    // An incremental run adds the rows of what was appended to the view's rows: it appends, whatever the write_mode.
    const operation = run.kind === 'incremental' ? 'append' : target.write_mode;
    const manifest = manifestFor(operation, previous, written);
    const refresh: RefreshReport | undefined = run.kind === 'incremental'
      ? { type: 'incremental', since: run.since, files_read: run.files, rows_read: run.rows }
      : input.refresh ? { type: 'full', ...(run.reason ? { reason: run.reason } : {}) } : undefined;
    let columnStats: MaterializeOutcome['snapshot']['column_stats'];
    if (input.stats_enabled) {
      progress({ phase: 'stats', rows: manifest.rowCount });
      const stats = await computeColumnStats(session, { files: manifest.files.map((f) => f.path), schema: target.schema }, { signal });
      columnStats = { recalculation_id: randomUUID(), stats: stats as unknown as Record<string, unknown> };
    }
    return {
      result: {
        dataset_id: target.id, snapshot_id: snapshotId, recalculation_id: columnStats?.recalculation_id ?? null,
        ...(refresh ? { refresh } : {}),
      },
      snapshot: {
        snapshot_id: snapshotId, dataset_id: target.id, parent_snapshot_id: parent?.snapshot_id ?? null,
        operation,
        files: manifest.files.map((f) => ({ path: toRelative(resources.storageRoot, f.path), rows: f.rows, bytes: f.bytes })),
        row_count: manifest.rowCount, bytes: manifest.bytes,
        inputs: inputs.map((i) => ({ dataset_id: i.datasetId, snapshot_id: i.snapshotId })),
        ...(columnStats ? { column_stats: columnStats } : {}),
      },
      inputs: lineageOf(inputs),
      discard: () => {
        release();
        return deleteSnapshotDir(outDir);
      },
      release,
    };
  } catch (err) {
    release();
    await deleteSnapshotDir(outDir);
    throw err;
  } finally {
    await session.close();
  }
}

/** The built-in `materialize-view` handler: its snapshot is committed with the job's completion, atomically. */
export default async function materializeViewHandler(env: HandlerEnv): Promise<JobHandler> {
  const resources = await planeResources(env);
  return {
    type: 'materialize-view',
    async run(job, ctx) {
      const outcome = await materializeView(job.input as unknown as MaterializeInput, job.inputs, resources, ctx.signal, (p) => ctx.progress(p as JsonObject));
      ctx.log.info({ dataset_id: outcome.result.dataset_id, snapshot_id: outcome.result.snapshot_id, rows: outcome.snapshot.row_count }, 'snapshot written');
      return completeWith(outcome.result as unknown as JsonObject, {
        snapshot: outcome.snapshot as never, inputs: outcome.inputs, discard: outcome.discard, release: outcome.release,
      }) as never;
    },
  };
}
