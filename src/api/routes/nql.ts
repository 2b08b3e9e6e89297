import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError, notFound } from '../../core/errors.js';
import type { Job } from '../../core/job.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../core/job.js';
import { toValidateJson } from '../../nql/index.js';
import { companyGet } from '../../store/companies.js';
import { dataPlaneGet, type DataPlane } from '../../store/data-planes.js';
import { datasetCreate, type Dataset } from '../../store/datasets.js';
import { jobCreate, jobGet } from '../../store/jobs.js';
import { actorOf, identityOf, jobScopeOf, type Identity } from '../plugins/auth.js';
import { compileForPlane } from '../nql-service.js';
import { problemResponses } from '../schemas/common.js';
import { NqlBody, NqlCompileBody, NqlCompileResponse, NqlJobParams, NqlRunBody, RunResponse } from '../schemas/nql.js';

const READ = { auth: { resource: 'nql', access: 'read' } } as const;
const WRITE = { auth: { resource: 'nql', access: 'write' } } as const;

/** The /nql endpoints speak Narrative's RunResponse: `id` and `completed_at` instead of `job_id` and `ended_at`. */
export function toRunResponse(job: Job, extraInput: Record<string, unknown> = {}) {
  return {
    id: job.job_id, company_id: job.company_id, type: job.type, state: job.state, data_plane_id: job.data_plane_id,
    execution_cluster: job.execution_cluster, request_source: job.request_source, input: { ...job.input, ...extraInput },
    result: job.result, failures: job.failures, idempotency_key: job.idempotency_key, created_at: job.created_at,
    updated_at: job.updated_at, completed_at: job.ended_at,
  };
}

class Rollback extends Error {
  constructor(readonly job: Job) { super('rollback'); }
}

export default async function nqlRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['nql'];

  const planeFor = async (identity: Identity, requested: string | undefined): Promise<DataPlane> => {
    const id = requested ?? (await companyGet(app.db, identity.companyId))?.default_data_plane_id;
    const plane = id ? await dataPlaneGet(app.db, identity.companyId, id) : undefined;
    if (!plane) {
      throw new DomainError('validation_failed', `data plane ${id ?? '(default)'} was not found`, {
        errors: [{ in: 'body', pointer: '/data_plane_id', message: 'is not a data plane of your company' }],
      });
    }
    return plane;
  };

  app.post('/nql/validate', {
    config: READ,
    schema: {
      tags, summary: 'Parse and validate NQL',
      description: 'Returns the typed AST (every node has `type` and its normalized `nql`), or 400 with `errors: [{line, column, message}]`.',
      body: NqlBody, response: { 200: Type.Object({}, { additionalProperties: true }), ...problemResponses(400, 401, 403) },
    },
  }, async (request) => {
    const identity = identityOf(request);
    const plane = await planeFor(identity, request.body.data_plane_id);
    const compiled = await compileForPlane(app.db, identity.companyId, request.body.nql, plane);
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
    const plane = await planeFor(identity, request.body.data_plane_id);
    const dialect = request.body.dialect ?? plane.engine;
    const compiled = await compileForPlane(app.db, identity.companyId, request.body.nql, { id: plane.id, engine: dialect });
    return {
      kind: compiled.analysis.kind, dialect, compiled_sql: compiled.compiledSql,
      output_schema: compiled.analysis.outputSchema as unknown as Record<string, unknown>, dataset_ids: compiled.analysis.datasetIds,
    };
  });

  app.post('/nql/run', {
    config: WRITE,
    schema: {
      tags, summary: 'Run NQL',
      description: 'EXPLAIN <select> creates an nql-forecast job. CREATE MATERIALIZED VIEW creates the view\'s dataset ' +
        '(status pending) and a materialize-view job, atomically. A bare SELECT is refused: wrap it in one of the two.',
      body: NqlRunBody, response: { 200: RunResponse, 201: RunResponse, ...problemResponses(400, 401, 403, 409) },
    },
  }, async (request, reply) => {
    const identity = identityOf(request);
    const b = request.body;
    const plane = await planeFor(identity, b.data_plane_id);
    const compiled = await compileForPlane(app.db, identity.companyId, b.nql, plane);
    const { analysis } = compiled;
    if (analysis.kind === 'select') {
      throw new DomainError('validation_failed', 'a bare SELECT cannot run: write EXPLAIN SELECT ... for a forecast of rows and cost, ' +
        'or CREATE MATERIALIZED VIEW "name" AS SELECT ... to materialize the result as a dataset', {
        errors: [{ in: 'body', pointer: '/nql', message: 'must be EXPLAIN or CREATE MATERIALIZED VIEW' }],
      });
    }
    const base = {
      companyId: identity.companyId, dataPlaneId: plane.id, computePoolId: null,
      executionCluster: b.execution_cluster?.type ?? 'shared' as const,
      requestSource: { type: 'api_user' as const, company_id: identity.companyId, user_id: identity.userId ?? 0 },
      idempotencyKey: b.idempotency_key, maxAttempts: DEFAULT_MAX_ATTEMPTS, priority: 0,
    };
    if (analysis.kind === 'explain') {
      const { job, created } = await jobCreate(app.db, {
        ...base, type: 'nql-forecast', input: { nql: b.nql, compiled_sql: compiled.compiledSql },
      }, actorOf(identity));
      if (created) await app.signals.notify(plane.id);
      return reply.status(created ? 201 : 200).send(toRunResponse(job));
    }
    const view = analysis.view!;
    let dataset: Dataset | undefined;
    let job: Job;
    try {
      job = await app.db.transaction(async (tx) => {
        if (b.idempotency_key !== undefined) {
          const prior = await tx.query<{ job_id: string }>('SELECT job_id::text AS job_id FROM jobs WHERE company_id = $1 AND idempotency_key = $2', [identity.companyId, b.idempotency_key]);
          if (prior[0]) throw new Rollback((await jobGet(tx, prior[0].job_id, { companyId: identity.companyId }))!);
        }
        dataset = await datasetCreate(tx, {
          companyId: identity.companyId, dataPlaneId: plane.id, name: view.name, displayName: view.display_name,
          description: view.description, schema: analysis.outputSchema as never, status: 'pending',
          writeMode: view.write_mode, tags: view.tags, retentionPolicy: view.retention_policy as never,
          materializedViewConfig: { nql: b.nql },
        });
        if (!dataset) throw new DomainError('conflict', `a dataset named "${view.name}" already exists; choose another view name`);
        const created = await jobCreate(tx, {
          ...base, type: 'materialize-view',
          input: { nql: b.nql, dataset_id: dataset.id, stats_enabled: view.extended_stats === 'all', compiled_sql: compiled.compiledSql },
        }, actorOf(identity));
        if (!created.created) throw new Rollback(created.job);
        return created.job;
      });
    } catch (err) {
      // A repeated idempotency key: nothing new was created; answer with the first job.
      if (err instanceof Rollback) return reply.status(200).send(toRunResponse(err.job));
      throw err;
    }
    await app.signals.notify(plane.id);
    return reply.status(201).send(toRunResponse(job, { dataset }));
  });

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
