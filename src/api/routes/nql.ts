import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError, notFound } from '../../core/errors.js';
import type { Job } from '../../core/job.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../core/job.js';
import { toValidateJson } from '../../nql/index.js';
import { incrementalEligibility } from '../../nql/analyzer/incremental.js';
import { CronSchedule } from '../../core/cron-schedule.js';
import type { MaterializedViewConfig } from '../../core/view-refresh.js';
import { jobGet, type NewJob } from '../../store/jobs.js';
import { viewCreateWithJob } from '../../store/view-jobs.js';
import { actorOf, identityOf, jobScopeOf, type Identity } from '../plugins/auth.js';
import { compileNql, previewLimitOf, refuseUnsupportedViewOptions, type CompiledStatement } from '../nql-service.js';
import { problemResponses } from '../schemas/common.js';
import { NqlBody, NqlCompileBody, NqlCompileResponse, NqlJobParams, NqlRunBody, RunResponse } from '../schemas/nql.js';

const READ = { auth: { resource: 'nql', access: 'read' } } as const;
const WRITE = { auth: { resource: 'nql', access: 'write' } } as const;

/** The /nql endpoints speak Narrative's RunResponse: `id` and `completed_at` instead of `job_id` and `ended_at`. */
export function toRunResponse(job: Job, extraInput: Record<string, unknown> = {}) {
  return {
    id: job.job_id, company_id: job.company_id, type: job.type, state: job.state, data_plane_id: job.data_plane_id,
    execution_cluster: job.execution_cluster, request_source: job.request_source, input: { ...job.input, ...extraInput },
    inputs: job.inputs, result: job.result, failures: job.failures, idempotency_key: job.idempotency_key,
    created_at: job.created_at, updated_at: job.updated_at, completed_at: job.ended_at,
  };
}

export default async function nqlRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['nql'];

  app.post('/nql/validate', {
    config: READ,
    schema: {
      tags, summary: 'Parse and validate NQL',
      description: 'Returns the typed AST (every node has `type` and its normalized `nql`), or 400 with `errors: [{line, column, message}]`.',
      body: NqlBody, response: { 200: Type.Object({}, { additionalProperties: true }), ...problemResponses(400, 401, 403) },
    },
  }, async (request) => {
    const identity = identityOf(request);
    const compiled = await compileNql(app.db, identity.companyId, request.body.nql, { dataPlaneId: request.body.data_plane_id });
    const byKey = new Map(compiled.datasets.flatMap((d) => [[String(d.id), d], [d.name, d]] as const));
    return toValidateJson(compiled.statement, {
      resolveTable: (path) => {
        const d = byKey.get(path.at(-1) ?? '');
        return d ? { id: d.id, name: d.name, table_type: 'dataset' } : null;
      },
    });
  });

  app.post('/nql/compile', {
    config: READ,
    schema: {
      tags, summary: 'Compile NQL to SQL',
      description: 'The SQL a job would run, in the dialect of the data plane\'s engine (or the one asked for), and the result schema. Creates nothing.',
      body: NqlCompileBody, response: { 200: NqlCompileResponse, ...problemResponses(400, 401, 403) },
    },
  }, async (request) => {
    const identity = identityOf(request);
    const compiled = await compileNql(app.db, identity.companyId, request.body.nql, {
      dataPlaneId: request.body.data_plane_id, dialect: request.body.dialect,
    });
    return {
      kind: compiled.analysis.kind, dialect: compiled.dialect, data_plane_id: compiled.plane.id,
      compiled_sql: compiled.compiledSql, output_schema: compiled.analysis.outputSchema as unknown as Record<string, unknown>,
      dataset_ids: compiled.analysis.datasetIds,
    };
  });

  app.post('/nql/run', {
    config: WRITE,
    schema: {
      tags, summary: 'Run NQL',
      description: 'EXPLAIN <select> creates an nql-forecast job. CREATE MATERIALIZED VIEW creates the view\'s dataset ' +
        '(status pending) and a materialize-view job, atomically. A bare SELECT ... LIMIT n (n <= 1,000) creates an ' +
        'nql-preview job whose result holds the rows. The job runs on the data plane of the datasets the statement reads.',
      body: NqlRunBody, response: { 200: RunResponse, 201: RunResponse, ...problemResponses(400, 401, 403, 409) },
    },
  }, async (request, reply) => {
    const identity = identityOf(request);
    const b = request.body;
    const compiled = await compileNql(app.db, identity.companyId, b.nql, { dataPlaneId: b.data_plane_id });
    const base = jobBase(identity, compiled, b);
    const { analysis } = compiled;
    if (analysis.kind === 'create_materialized_view') {
      const view = analysis.view!;
      refuseUnsupportedViewOptions(view, { schedules: true });
      const statsEnabled = view.extended_stats === 'all';
      // The view remembers its definition: what its refreshes run, what they read, whether they can be incremental.
      const config: MaterializedViewConfig = {
        nql: b.nql, compiled_sql: compiled.compiledSql, dialect: compiled.dialect, input_dataset_ids: analysis.datasetIds,
        incremental: incrementalEligibility(compiled.statement), stats_enabled: statsEnabled,
      };
      const refresh = view.refresh_schedule === '@once' ? undefined : scheduleFromOption(view.refresh_schedule);
      const made = await viewCreateWithJob(app.db, {
        companyId: identity.companyId, dataPlaneId: compiled.plane.id, name: view.name, displayName: view.display_name,
        description: view.description, schema: analysis.outputSchema, status: 'pending',
        writeMode: view.write_mode, tags: view.tags, retentionPolicy: view.retention_policy,
        materializedViewConfig: config as unknown as Record<string, unknown> & { nql: string },
      }, {
        ...base, type: 'materialize-view',
        input: (datasetId) => ({ nql: b.nql, dataset_id: datasetId, stats_enabled: statsEnabled, compiled_sql: compiled.compiledSql }),
      }, actorOf(identity), refresh);
      switch (made.outcome) {
        case 'existing':
          return reply.status(200).send(toRunResponse(made.job));
        case 'name_taken':
          throw new DomainError('conflict', `a dataset named "${view.name}" already exists; choose another view name (or refresh it: POST /datasets/{id}/refresh-materialized-view)`);
        case 'created':
          await announceCreate(made.job);
          return reply.status(201).send(toRunResponse(made.job, { dataset: made.dataset }));
      }
    }
    const job = analysis.kind === 'explain'
      ? { ...base, type: 'nql-forecast', input: { nql: b.nql, compiled_sql: compiled.compiledSql } }
      : { ...base, type: 'nql-preview', input: { nql: b.nql, compiled_sql: compiled.compiledSql, limit: previewLimitOf(analysis) } };
    const { job: created, created: isNew } = await app.writes.create({ job, actor: actorOf(identity) });
    if (isNew) await announceCreate(created);
    return reply.status(isNew ? 201 : 200).send(toRunResponse(created));
  });

  const announceCreate = (job: Job) => app.effects.applied([{
    action: 'create', type: job.type, dataPlaneId: job.data_plane_id, executor: null, from: null, to: job.state,
  }]);

  app.get('/nql/:job_id', {
    config: READ,
    schema: {
      tags, summary: 'Get the result of an NQL job', description: 'While the job runs, result and completed_at are null.',
      params: NqlJobParams, response: { 200: RunResponse, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const job = await jobGet(app.db, request.params.job_id, jobScopeOf(identityOf(request)));
    if (!job) throw notFound(`job ${request.params.job_id}`);
    return toRunResponse(job);
  });
}

/** REFRESH_SCHEDULE '<cron>' (in UTC): the view's schedule, active from now; a bad expression is a 400 at /nql. */
function scheduleFromOption(cron: string) {
  let schedule: CronSchedule;
  try {
    schedule = new CronSchedule(cron, 'UTC');
  } catch (err) {
    const message = `REFRESH_SCHEDULE: ${(err as Error).message}`;
    throw new DomainError('validation_failed', message, { errors: [{ in: 'body', pointer: '/nql', message }] });
  }
  return { cron, cronZoneId: 'UTC', executionCluster: 'shared' as const, statsEnabled: null, status: 'active' as const, nextRunAt: schedule.next(new Date()) };
}

/** What every job an NQL statement creates shares: who asked, where it runs, what it reads. */
function jobBase(
  identity: Identity, compiled: CompiledStatement, b: { execution_cluster?: { type: 'dedicated' | 'shared' } | undefined; idempotency_key?: string | undefined },
): Omit<NewJob, 'type' | 'input'> {
  return {
    companyId: identity.companyId, dataPlaneId: compiled.plane.id, computePoolId: null,
    executionCluster: b.execution_cluster?.type ?? 'shared',
    requestSource: { type: 'api_user', company_id: identity.companyId, user_id: identity.userId ?? 0 },
    inputs: compiled.inputs, idempotencyKey: b.idempotency_key, maxAttempts: DEFAULT_MAX_ATTEMPTS, priority: 0,
  };
}
