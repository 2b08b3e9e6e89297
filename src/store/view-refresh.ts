import { DEFAULT_MAX_ATTEMPTS, type Actor, type Job, type RequestSource } from '../core/job.js';
import { appendedOnly, planRefresh, type MaterializedViewConfig, type RefreshPlan, type RefreshType } from '../core/view-refresh.js';
import type { Queryable, Transaction } from './db/types.js';
import { DATASET_COLUMNS, type Dataset } from './datasets.js';
import { jobColumns, toJob, type JobRow } from './job-columns.js';
import { applyTransition } from './job-transitions.js';
import { jobCreate } from './jobs.js';
import { stateIn } from './state-sql.js';

export interface RefreshRequest {
  companyId: number;
  datasetId: number;
  type: RefreshType;
  /** Run the engine even when the inputs did not change (no reuse). */
  force: boolean;
  executionCluster: 'dedicated' | 'shared';
  /** Overrides the view's own EXTENDED_STATS for this refresh (a schedule's stats_enabled). */
  statsEnabled?: boolean | undefined;
  requestSource: RequestSource;
  actor: Actor;
}

export type RefreshResult =
  | { outcome: 'created' | 'reused'; job: Job; plan: RefreshPlan }
  /** A refresh of this view is already pending or running: that one, and nothing new. */
  | { outcome: 'in_progress'; job: Job }
  | { outcome: 'not_found' }
  | { outcome: 'not_a_view' }
  /** A view made before views kept their compiled SQL: it cannot be refreshed from its definition. */
  | { outcome: 'no_definition' };

/** A refresh counts as in flight from creation until it ends, including while a failed attempt waits to retry. */
const IN_FLIGHT = `(${stateIn('j.state', ['pending', 'running', 'pending_cancellation'])} OR (j.state = 'failed' AND j.retry_at IS NOT NULL))`;

/**
 * Creates a refresh of a materialized view, inside the caller's transaction: the view's row is locked, so that two
 * requests (or a request and a scheduler tick, on any server) never queue two refreshes; a refresh in flight is
 * returned instead. The plan (src/core/view-refresh.ts) comes from the view's lineage: reuse completes the new job
 * at once with the current snapshot; incremental tells the plane which snapshots to read from.
 */
export async function viewRefreshCreate(tx: Transaction, req: RefreshRequest): Promise<RefreshResult> {
  const [view] = await tx.query<Dataset>(
    `SELECT ${DATASET_COLUMNS} FROM datasets d WHERE d.id = $1 AND d.company_id = $2 FOR UPDATE`, [req.datasetId, req.companyId],
  );
  if (!view) return { outcome: 'not_found' };
  const config = view.materialized_view_config as MaterializedViewConfig | null;
  if (!config) return { outcome: 'not_a_view' };
  if (!config.compiled_sql) return { outcome: 'no_definition' };
  const [running] = await tx.query<JobRow>(
    `SELECT ${jobColumns('j')} FROM jobs j WHERE j.dataset_id = $1 AND j.type = 'materialize-view' AND ${IN_FLIGHT}
      ORDER BY j.created_at DESC LIMIT 1`,
    [view.id],
  );
  if (running) return { outcome: 'in_progress', job: toJob(running) };

  const plan = planRefresh({
    requested: req.type, force: req.force, viewSnapshotId: view.latest_snapshot_id, config,
    inputs: await inputFacts(tx, view, config.input_dataset_ids ?? []),
  });
  const input = {
    nql: config.nql, dataset_id: view.id, stats_enabled: req.statsEnabled ?? config.stats_enabled ?? true,
    compiled_sql: config.compiled_sql,
    refresh: plan.kind === 'incremental' ? { type: 'incremental', since: plan.since }
      : plan.kind === 'reuse' ? { type: req.type }
      : { type: 'full', ...(plan.reason ? { reason: plan.reason } : {}) },
  };
  const { job } = await jobCreate(tx, {
    companyId: view.company_id, dataPlaneId: view.data_plane_id, computePoolId: null, executionCluster: req.executionCluster,
    requestSource: req.requestSource, type: 'materialize-view', input, maxAttempts: DEFAULT_MAX_ATTEMPTS, priority: 0,
    // A reuse stands for the snapshots the reused one was computed from (its lineage); a run binds the latest.
    inputs: plan.kind === 'reuse' ? plan.inputs : (config.input_dataset_ids ?? []).map((id) => ({ dataset_id: id, snapshot_id: null })),
  }, req.actor);
  if (plan.kind !== 'reuse') return { outcome: 'created', job, plan };
  const reused = await applyTransition(tx, {
    actions: ['reuse'], jobId: job.job_id, scope: { companyId: view.company_id }, actor: req.actor,
    args: (p) => ({
      result: `${p(JSON.stringify({ dataset_id: view.id, snapshot_id: plan.snapshotId, recalculation_id: null, reused: true }))}::jsonb`,
    }),
  });
  if (reused.outcome !== 'applied') throw new Error(`a new refresh job could not be completed as reused: ${reused.outcome}`);
  return { outcome: 'reused', job: reused.job, plan };
}

/** For each input of the view: the snapshot the view's current snapshot read, and the input's latest now. */
async function inputFacts(db: Queryable, view: Dataset, inputIds: number[]) {
  if (inputIds.length === 0) return [];
  const rows = await db.query<{ dataset_id: number; latest: number | null; read: boolean; used: number | null; latest_files: string[] | null; used_files: string[] | null }>(
    `WITH lineage AS (
       SELECT (i->>'dataset_id')::bigint AS dataset_id, (i->>'snapshot_id')::bigint AS snapshot_id
         FROM dataset_snapshots s, jsonb_array_elements(s.inputs) i
        WHERE s.snapshot_id = $2
     )
     SELECT d.id AS dataset_id, d.latest_snapshot_id AS latest, (l.dataset_id IS NOT NULL) AS read, l.snapshot_id AS used,
            (SELECT array_agg(f->>'path') FROM dataset_snapshots ls, jsonb_array_elements(ls.files) f WHERE ls.snapshot_id = d.latest_snapshot_id) AS latest_files,
            (SELECT array_agg(f->>'path') FROM dataset_snapshots us, jsonb_array_elements(us.files) f WHERE us.snapshot_id = l.snapshot_id) AS used_files
       FROM datasets d LEFT JOIN lineage l ON l.dataset_id = d.id
      WHERE d.id = ANY($1::bigint[])`,
    [inputIds, view.latest_snapshot_id],
  );
  return rows.map((r) => ({
    datasetId: r.dataset_id, read: r.read, usedSnapshotId: r.used, latestSnapshotId: r.latest,
    // An input that had no snapshot when the view read it was only appended to since, whatever it holds now.
    appendedSinceUsed: r.read && (r.used === null || appendedOnly(r.used_files ?? [], r.latest_files ?? [])),
  }));
}
