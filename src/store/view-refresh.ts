import { DEFAULT_MAX_ATTEMPTS, type Actor, type Job, type RequestSource } from '../core/job.js';
import { appendedOnly, planRefresh, type MaterializedViewConfig, type RefreshPlan, type RefreshType } from '../core/view-refresh.js';
import type { Queryable, Transaction } from './db/types.js';
import { DATASET_COLUMNS, type Dataset } from './datasets.js';
import { jobColumns, toJob, type JobRow } from './job-columns.js';
import { jobReuseMany } from './job-batches.js';
import { jobCreateMany } from './jobs.js';
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
  return (await viewRefreshCreateMany(tx, [req]))[0]!;
}

/**
 * viewRefreshCreate for several views at once (a scheduler tick of many views), per request in the same order, in
 * a fixed number of statements whatever the count: lock the views (in id order, so two batches never deadlock),
 * find their refreshes in flight, read their inputs' facts, create the jobs, complete the reuses. Each view is
 * decided on its own facts exactly as alone. One view appears at most once in a batch.
 */
export async function viewRefreshCreateMany(tx: Transaction, reqs: readonly RefreshRequest[]): Promise<RefreshResult[]> {
  if (reqs.length === 0) return [];
  const views = new Map((await tx.query<Dataset>(
    `SELECT ${DATASET_COLUMNS}
       FROM datasets d JOIN unnest($1::bigint[], $2::bigint[]) AS r(id, company_id) ON d.id = r.id AND d.company_id = r.company_id
      ORDER BY d.id FOR UPDATE OF d`,
    [reqs.map((r) => r.datasetId), reqs.map((r) => r.companyId)],
  )).map((v) => [v.id, v]));
  // The requests whose view can be refreshed, with its definition; the others get their outcome here.
  const candidates: Array<{ req: RefreshRequest; i: number; view: Dataset; config: MaterializedViewConfig }> = [];
  const results: Array<RefreshResult | undefined> = reqs.map((req, i) => {
    const view = views.get(req.datasetId);
    if (!view) return { outcome: 'not_found' };
    const config = view.materialized_view_config as MaterializedViewConfig | null;
    if (!config) return { outcome: 'not_a_view' };
    if (!config.compiled_sql) return { outcome: 'no_definition' };
    candidates.push({ req, i, view, config });
    return undefined;
  });

  const running = candidates.length === 0 ? [] : await tx.query<JobRow>(
    `SELECT DISTINCT ON (j.dataset_id) ${jobColumns('j')} FROM jobs j
      WHERE j.dataset_id = ANY($1::bigint[]) AND j.type = 'materialize-view' AND ${IN_FLIGHT}
      ORDER BY j.dataset_id, j.created_at DESC`,
    [candidates.map((c) => c.view.id)],
  );
  const inFlight = new Map(running.map((row) => toJob(row)).map((job) => [job.input['dataset_id'], job]));
  const toCreate = candidates.filter((c) => {
    const job = inFlight.get(c.view.id);
    if (job) results[c.i] = { outcome: 'in_progress', job };
    return !job;
  });

  const facts = await inputFacts(tx, toCreate);
  const plans = toCreate.map(({ req, view, config }) => planRefresh({
    requested: req.type, force: req.force, viewSnapshotId: view.latest_snapshot_id, config, inputs: facts.get(view.id) ?? [],
  }));
  const created = await jobCreateMany(tx, toCreate.map(({ req, view, config }, k) => {
    const plan = plans[k]!;
    const input = {
      nql: config.nql, dataset_id: view.id, stats_enabled: req.statsEnabled ?? config.stats_enabled ?? true,
      compiled_sql: config.compiled_sql,
      refresh: plan.kind === 'incremental' ? { type: 'incremental', since: plan.since }
        : plan.kind === 'reuse' ? { type: req.type }
        : { type: 'full', ...(plan.reason ? { reason: plan.reason } : {}) },
    };
    return {
      job: {
        companyId: view.company_id, dataPlaneId: view.data_plane_id, computePoolId: null, executionCluster: req.executionCluster,
        requestSource: req.requestSource, type: 'materialize-view', input, maxAttempts: DEFAULT_MAX_ATTEMPTS, priority: 0,
        // A reuse stands for the snapshots the reused one was computed from (its lineage); a run binds the latest.
        inputs: plan.kind === 'reuse' ? plan.inputs : (config.input_dataset_ids ?? []).map((id) => ({ dataset_id: id, snapshot_id: null })),
      },
      actor: req.actor,
    };
  }));

  const reuses: Array<{ k: number; job: Job; snapshotId: number }> = [];
  toCreate.forEach(({ i }, k) => {
    const job = created[k];
    // No idempotency key, so every insert lands; a missing row would be a bug, not an outcome to explain.
    if (!job) throw new Error('a view refresh job was not created');
    const plan = plans[k]!;
    if (plan.kind === 'reuse') reuses.push({ k, job, snapshotId: plan.snapshotId });
    else results[i] = { outcome: 'created', job, plan };
  });
  const reused = await jobReuseMany(tx, reuses.map(({ k, job, snapshotId }) => ({
    jobId: job.job_id, scope: { companyId: job.company_id }, actor: toCreate[k]!.req.actor,
    result: { dataset_id: job.input['dataset_id'], snapshot_id: snapshotId, recalculation_id: null, reused: true },
  })));
  reuses.forEach(({ k }, n) => {
    const applied = reused[n];
    if (applied?.outcome !== 'applied') throw new Error('a new refresh job could not be completed as reused');
    results[toCreate[k]!.i] = { outcome: 'reused', job: applied.job, plan: plans[k]! };
  });
  return results.map((r) => r!);
}

/**
 * For each view (by id), for each of its inputs: the snapshot the view's current snapshot read, and the input's
 * latest now. One statement for all the views.
 */
async function inputFacts(db: Queryable, views: ReadonlyArray<{ view: Dataset; config: MaterializedViewConfig }>) {
  const pairs = views.flatMap(({ view, config }) => (config.input_dataset_ids ?? [])
    .map((input) => [view.id, view.latest_snapshot_id, input] as const));
  const facts = new Map<number, Array<ReturnType<typeof toFact>>>();
  if (pairs.length === 0) return facts;
  const rows = await db.query<FactRow>(
    `WITH pair AS (
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS p(view_id, view_snapshot_id, input_id)
     ), lineage AS (
       SELECT s.snapshot_id AS view_snapshot_id, (i->>'dataset_id')::bigint AS dataset_id, (i->>'snapshot_id')::bigint AS snapshot_id
         FROM dataset_snapshots s, jsonb_array_elements(s.inputs) i
        WHERE s.snapshot_id IN (SELECT view_snapshot_id FROM pair)
     ), fact AS (
       SELECT p.view_id, d.id AS dataset_id, d.latest_snapshot_id AS latest, (l.dataset_id IS NOT NULL) AS read, l.snapshot_id AS used
         FROM pair p JOIN datasets d ON d.id = p.input_id
         LEFT JOIN lineage l ON l.view_snapshot_id = p.view_snapshot_id AND l.dataset_id = d.id
     ), files AS (
       -- Each snapshot's file list once, however many views read it.
       SELECT s.snapshot_id, array_agg(f->>'path') AS paths
         FROM dataset_snapshots s, jsonb_array_elements(s.files) f
        WHERE s.snapshot_id IN (SELECT latest FROM fact UNION SELECT used FROM fact)
        GROUP BY s.snapshot_id
     )
     SELECT fact.*, lf.paths AS latest_files, uf.paths AS used_files
       FROM fact LEFT JOIN files lf ON lf.snapshot_id = fact.latest LEFT JOIN files uf ON uf.snapshot_id = fact.used`,
    [pairs.map((p) => p[0]), pairs.map((p) => p[1]), pairs.map((p) => p[2])],
  );
  for (const r of rows) {
    const list = facts.get(r.view_id) ?? [];
    list.push(toFact(r));
    facts.set(r.view_id, list);
  }
  return facts;
}

interface FactRow {
  view_id: number;
  dataset_id: number;
  latest: number | null;
  read: boolean;
  used: number | null;
  latest_files: string[] | null;
  used_files: string[] | null;
}

const toFact = (r: FactRow) => ({
  datasetId: r.dataset_id, read: r.read, usedSnapshotId: r.used, latestSnapshotId: r.latest,
  // An input that had no snapshot when the view read it was only appended to since, whatever it holds now.
  appendedSinceUsed: r.read && (r.used === null || appendedOnly(r.used_files ?? [], r.latest_files ?? [])),
});
