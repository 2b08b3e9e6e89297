import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { visibleDataset } from '../visible-dataset.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { CronError, CronSchedule } from '../../core/cron-schedule.js';
import { DomainError, notFound } from '../../core/errors.js';
import type { Job } from '../../core/job.js';
import { datasetGet, type Dataset } from '../../store/datasets.js';
import { jobCreate } from '../../store/jobs.js';
import { scheduleArchive, scheduleCreate, scheduleGet, scheduleReplace, tickList, type RefreshSchedule } from '../../store/refresh-schedules.js';
import { snapshotGet } from '../../store/snapshots.js';
import { viewRefreshCreate } from '../../store/view-refresh.js';
import { actorOf, identityOf, type Identity } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import { DatasetParams } from '../schemas/datasets.js';
import { RecalculateBody, RecalculationResponse, RefreshBody, Schedule, ScheduleBody } from '../schemas/views.js';

const READ = { auth: { resource: 'datasets', access: 'read' } } as const;
const WRITE = { auth: { resource: 'datasets', access: 'write' } } as const;
const JobRef = Type.Ref('Job');

/**
 * Materialized views that stay fresh (Narrative's dataset refresh API): refresh now, refresh on a schedule, and
 * recalculate a snapshot's column statistics. Refresh jobs are ordinary materialize-view jobs; at most one of a view
 * is in flight at a time (src/store/view-refresh.ts), and a refresh whose inputs did not change reuses the view's
 * current snapshot without running the engine.
 */
export default async function viewRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['datasets'];

  const viewOf = async (identity: Identity, id: number): Promise<Dataset> => {
    const dataset = await visibleDataset(app.db, identity, id);
    if (!dataset.materialized_view_config) {
      throw new DomainError('conflict', `dataset ${id} is not a materialized view: only views are refreshed (create one with CREATE MATERIALIZED VIEW)`);
    }
    return dataset;
  };

  app.post('/datasets/:dataset_id/refresh-materialized-view', {
    config: WRITE,
    schema: {
      tags, summary: 'Refresh a materialized view now',
      description: 'Creates a materialize-view job that recomputes the view (201). A refresh already pending or running ' +
        'is returned instead of queueing another (200). When no input changed since the view\'s current snapshot, the ' +
        'job completes at once reusing it (result.reused), unless force. type incremental reads only what was appended ' +
        'to the inputs since the last refresh, when the view\'s query allows it (the job\'s input.refresh says what ran).',
      params: DatasetParams, body: RefreshBody, response: { 200: JobRef, 201: JobRef, ...problemResponses(400, 401, 403, 404, 409) },
    },
    preValidation: emptyBodyAsObject,
  }, async (request, reply) => {
    const identity = identityOf(request);
    const b = request.body ?? {};
    await viewOf(identity, request.params.dataset_id);
    const source = { type: 'api_user' as const, company_id: identity.companyId, user_id: identity.userId ?? 0 };
    const result = await app.db.transaction((tx) => viewRefreshCreate(tx, {
      companyId: identity.companyId, datasetId: request.params.dataset_id, type: b.type ?? 'full', force: b.force ?? false,
      executionCluster: b.execution_cluster?.type ?? 'shared', requestSource: source, actor: actorOf(identity),
    }));
    switch (result.outcome) {
      case 'in_progress':
        return reply.status(200).send(result.job);
      case 'created':
      case 'reused':
        await announce(app, result.job, result.outcome === 'reused');
        return reply.status(201).send(result.job);
      case 'not_found':
        throw notFound(`dataset ${request.params.dataset_id}`);
      case 'not_a_view':
      case 'no_definition':
        throw new DomainError('conflict', `dataset ${request.params.dataset_id} has no stored view definition to refresh from; create the view again`);
    }
  });

  app.get('/datasets/:dataset_id/refresh-schedule', {
    config: READ,
    schema: {
      tags, summary: 'Get a view\'s refresh schedule', description: 'With its next ticks and the last ones it acted on.',
      params: DatasetParams, response: { 200: Schedule, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const identity = identityOf(request);
    const schedule = await scheduleGet(app.db, identity.companyId, request.params.dataset_id);
    if (!schedule) throw notFound(`refresh schedule of dataset ${request.params.dataset_id}`);
    return present(app, schedule);
  });

  type ScheduleInput = Static<typeof ScheduleBody>;
  const fieldsOf = (body: ScheduleInput) => {
    // A cron expression the scheduler cannot run is refused here, naming the field (never stored).
    const schedule = scheduleOf(body.cron, body.cron_zone_id ?? 'UTC');
    const status = body.status ?? 'active';
    return {
      cron: body.cron, cronZoneId: body.cron_zone_id ?? 'UTC', executionCluster: body.execution_cluster?.type ?? 'shared',
      statsEnabled: body.stats_enabled ?? null, status, nextRunAt: status === 'active' ? schedule.next(new Date()) : null,
    };
  };

  app.post('/datasets/:dataset_id/refresh-schedule', {
    config: WRITE,
    schema: {
      tags, summary: 'Create a view\'s refresh schedule',
      description: 'Refreshes the view on a cron schedule, in a time zone. The scheduler in every API server runs each tick ' +
        'exactly once; after a downtime it runs one catch-up refresh; a tick while the previous refresh still runs is ' +
        'skipped and recorded. Scheduled refreshes are incremental where the view\'s query allows it.',
      params: DatasetParams, body: ScheduleBody, response: { 201: Schedule, ...problemResponses(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const identity = identityOf(request);
    const view = await viewOf(identity, request.params.dataset_id);
    const created = await scheduleCreate(app.db, identity.companyId, view.id, fieldsOf(request.body));
    if (!created) throw new DomainError('conflict', `dataset ${view.id} already has a refresh schedule; change it with PUT or archive it with DELETE`);
    return reply.status(201).send(await present(app, created));
  });

  app.put('/datasets/:dataset_id/refresh-schedule', {
    config: WRITE,
    schema: {
      tags, summary: 'Change a view\'s refresh schedule', params: DatasetParams, body: ScheduleBody,
      response: { 200: Schedule, ...problemResponses(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const identity = identityOf(request);
    const view = await viewOf(identity, request.params.dataset_id);
    const replaced = await scheduleReplace(app.db, identity.companyId, view.id, fieldsOf(request.body));
    if (!replaced) throw notFound(`refresh schedule of dataset ${view.id} (create it with POST)`);
    return present(app, replaced);
  });

  app.delete('/datasets/:dataset_id/refresh-schedule', {
    config: WRITE,
    schema: {
      tags, summary: 'Archive a view\'s refresh schedule', description: 'It stops; its ticks are kept.',
      params: DatasetParams, response: { 200: Schedule, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const identity = identityOf(request);
    const archived = await scheduleArchive(app.db, identity.companyId, request.params.dataset_id);
    if (!archived) throw notFound(`refresh schedule of dataset ${request.params.dataset_id}`);
    return present(app, archived);
  });

  app.post('/datasets/:dataset_id/columns-stats/recalculate', {
    config: WRITE,
    schema: {
      tags, summary: 'Recalculate a snapshot\'s column statistics',
      description: 'Creates a datasets_calculate_column_stats job on the dataset\'s data plane (its operator reads the ' +
        'files) and answers at once with the recalculation id; GET .../column-stats shows the statistics once the job completed.',
      params: DatasetParams, body: RecalculateBody, response: { 201: RecalculationResponse, ...problemResponses(400, 401, 403, 404, 409) },
    },
    preValidation: emptyBodyAsObject,
  }, async (request, reply) => {
    const identity = identityOf(request);
    const dataset = await visibleDataset(app.db, identity, request.params.dataset_id);
    const snapshotId = request.body?.snapshot_id ?? dataset.latest_snapshot_id;
    if (snapshotId === null) throw new DomainError('conflict', `dataset ${dataset.id} has no snapshot yet: nothing to compute statistics of`);
    const snapshot = await snapshotGet(app.db, dataset.id, snapshotId);
    if (!snapshot) throw notFound(`snapshot ${snapshotId} of dataset ${dataset.id}`);
    const recalculationId = randomUUID();
    const { job } = await jobCreate(app.db, {
      companyId: identity.companyId, dataPlaneId: dataset.data_plane_id, computePoolId: null, executionCluster: 'shared',
      requestSource: { type: 'api_user', company_id: identity.companyId, user_id: identity.userId ?? 0 },
      type: 'datasets_calculate_column_stats', maxAttempts: 3, priority: 0,
      input: { dataset_id: dataset.id, snapshot_id: snapshot.snapshot_id, recalculation_id: recalculationId },
      inputs: [{ dataset_id: dataset.id, snapshot_id: snapshot.snapshot_id }],
    }, actorOf(identity));
    await announce(app, job, false);
    return reply.status(201).send({
      recalculation_id: recalculationId, snapshots: [String(snapshot.snapshot_id)], job_id: job.job_id,
      from_snapshot_timestamp: snapshot.created_at, until_snapshot_timestamp: snapshot.created_at,
    });
  });
}

/** An optional body may be left out: it means the defaults. */
async function emptyBodyAsObject(request: { body: unknown }): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

/** A cron expression in a zone, or a 400 that names the field to fix. */
export function scheduleOf(cron: string, zone: string): CronSchedule {
  try {
    return new CronSchedule(cron, zone);
  } catch (err) {
    if (err instanceof CronError) {
      throw new DomainError('validation_failed', err.message, { errors: [{ in: 'body', pointer: `/${err.field}`, message: err.message }] });
    }
    throw err;
  }
}

async function present(app: FastifyInstance, s: RefreshSchedule) {
  let nextRuns: string[] = [];
  if (s.status === 'active') {
    try {
      nextRuns = new CronSchedule(s.cron, s.cron_zone_id).upcoming(5, new Date()).map((d) => d.toISOString());
    } catch { /* a zone the runtime no longer knows: the scheduler archives it */ }
  }
  const { company_id: _company, ...rest } = s;
  return { ...rest, next_runs: nextRuns, recent_ticks: await tickList(app.db, s.dataset_id, 10) };
}

async function announce(app: FastifyInstance, job: Job, reused: boolean): Promise<void> {
  await app.effects.applied([
    { jobId: job.job_id, action: 'create', type: job.type, dataPlaneId: job.data_plane_id, executor: null, from: null, to: 'pending' },
    ...(reused ? [{ jobId: job.job_id, action: 'reuse', type: job.type, dataPlaneId: job.data_plane_id, executor: null, from: 'pending' as const, to: 'completed' as const }] : []),
  ]);
}
