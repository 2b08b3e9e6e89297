import { inputsNamedBy } from '../nql-service.js';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError, notFound } from '../../core/errors.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../core/job.js';
import { jobEventsList, jobGet, jobList } from '../../store/jobs.js';
import { jobCancel, jobRequestCancellation, jobReschedule } from '../../store/job-transitions.js';
import { computePoolGet, dataPlaneGet } from '../../store/data-planes.js';
import { companyGet } from '../../store/companies.js';
import { actorOf, identityOf, jobScopeOf, type Identity } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import {
  CancelBody, CreateJobBody, JobEvent, JobIdParams, JobList, ListJobsQuery,
  RescheduleBody, RescheduleResponse, RunBody,
} from '../schemas/jobs.js';
import { pageOf, pageOfRecords } from '../pagination.js';


const JOB_READ = { auth: { resource: 'jobs', access: 'read' } } as const;
const JOB_WRITE = { auth: { resource: 'jobs', access: 'write' } } as const;
const JobRef = Type.Ref('Job');

export default async function jobRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['jobs'];

  app.get('/jobs', {
    config: JOB_READ,
    schema: {
      tags, summary: 'List jobs',
      description: 'Jobs of the caller\'s company, newest first by default; at most 500 a page. total_records is exact ' +
        'unless count=estimated asks for a bounded count (see count).',
      querystring: ListJobsQuery, response: { 200: JobList, ...problemResponses(400, 401, 403) },
    },
  }, async (request) => {
    const q = request.query;
    const { limit, offset, page } = pageOf(q);
    const { records, total, estimated } = await jobList(app.db, jobScopeOf(identityOf(request)), {
      state: q.state, type: q.type, dataPlaneId: q.data_plane_id, datasetId: q.dataset_id,
      createdAfter: q.created_after, createdBefore: q.created_before,
      orderBy: q.order_by ?? 'created_at_desc', limit, offset, count: q.count,
    });
    const body = pageOfRecords(page, limit, total, records);
    // The field is there only when asked for an estimate: the default answer keeps Narrative's shape.
    return q.count === 'estimated' ? { ...body, total_records_estimated: estimated } : body;
  });

  app.post('/jobs', {
    config: JOB_WRITE,
    schema: {
      tags, summary: 'Create a job',
      description: 'Creates a job directly. A repeated idempotency_key returns the original job (200).',
      body: CreateJobBody, response: { 200: JobRef, 201: JobRef, ...problemResponses(400, 401, 403, 404, 409, 413) },
    },
  }, async (request, reply) => {
    const identity = identityOf(request);
    const body = request.body;
    const type = app.jobTypes.get(body.type);
    if (!type) {
      throw new DomainError('validation_failed', `unknown job type "${body.type}"`, {
        errors: [{ in: 'body', pointer: '/type', message: `must be one of ${app.jobTypes.types().map((t) => JSON.stringify(t)).join(', ')}` }],
      });
    }
    if (type.input) app.validators.validateNested(type.input, body.input, '/input');
    const dataPlaneId = await resolveDataPlane(app, identity, body.data_plane_id);
    if (body.compute_pool_id !== undefined) {
      const pool = await computePoolGet(app.db, body.compute_pool_id);
      if (!pool || pool.data_plane_id !== dataPlaneId) {
        throw new DomainError('validation_failed', `compute pool ${body.compute_pool_id} is not on data plane ${dataPlaneId}`,
          { errors: [{ in: 'body', pointer: '/compute_pool_id', message: 'is not a compute pool of the job\'s data plane' }] });
      }
    }
    const input = body.input as Record<string, unknown>;
    const inputs = body.inputs !== undefined
      ? body.inputs.map((i) => ({ dataset_id: i.dataset_id, snapshot_id: i.snapshot_id ?? null }))
      : await inputsNamedBy(app.db, identity.companyId, input['nql']);
    await app.jobTypes.checkCreate(type, { db: app.db, companyId: identity.companyId, dataPlaneId, input, inputs });
    const { job, created } = await app.writes.create({
      job: {
        companyId: identity.companyId, dataPlaneId, computePoolId: body.compute_pool_id ?? null,
        executionCluster: body.execution_cluster?.type ?? 'shared',
        requestSource: { type: 'api_user', company_id: identity.companyId, user_id: identity.userId ?? 0 },
        type: type.type, input, inputs, idempotencyKey: body.idempotency_key,
        maxAttempts: body.max_attempts ?? DEFAULT_MAX_ATTEMPTS, priority: body.priority ?? 0,
      },
      actor: actorOf(identity),
    });
    if (created) {
      await app.effects.applied([{ action: 'create', type: job.type, dataPlaneId: job.data_plane_id, executor: null, from: null, to: job.state }]);
    }
    return reply.status(created ? 201 : 200).send(job);
  });

  app.get('/jobs/:job_id', {
    config: JOB_READ,
    schema: { tags, summary: 'Get a job', params: JobIdParams, response: { 200: JobRef, ...problemResponses(400, 401, 403, 404) } },
  }, async (request) => {
    const job = await jobGet(app.db, request.params.job_id, jobScopeOf(identityOf(request)));
    if (!job) throw notFound(`job ${request.params.job_id}`);
    return job;
  });

  app.get('/jobs/:job_id/events', {
    config: JOB_READ,
    schema: {
      tags, summary: 'List a job\'s state transitions', description: 'One event per transition, oldest first.',
      params: JobIdParams, response: { 200: Type.Object({ records: Type.Array(JobEvent) }), ...problemResponses(401, 403, 404) },
    },
  }, async (request) => {
    const job = await jobGet(app.db, request.params.job_id, jobScopeOf(identityOf(request)));
    if (!job) throw notFound(`job ${request.params.job_id}`);
    return { records: await jobEventsList(app.db, job.job_id) };
  });

  app.post('/jobs/:job_id/run', {
    config: JOB_WRITE,
    schema: {
      tags, summary: 'Run a job',
      description: 'Starts a job by assigning it an executor and moving it to running. Applies to jobs in the pending ' +
        'or failed state; it is a no-op for a job that is already running or in a non-retryable terminal state ' +
        '(completed, cancelled), and for pending_cancellation. Idempotent: a caller that lost a race gets the job ' +
        'with the winner\'s executor. Requires write access to jobs.',
      params: JobIdParams, body: RunBody, response: { 200: JobRef, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const identity = identityOf(request);
    const { job_id } = request.params;
    const result = await app.writes.run({
      jobId: job_id, scope: jobScopeOf(identity), executor: request.body.executor, actor: actorOf(identity),
    });
    return app.effects.outcome(result, 'run', job_id);
  });

  app.post('/jobs/:job_id/reschedule', {
    config: JOB_WRITE,
    preValidation: emptyBodyAsObject,
    schema: {
      tags, summary: 'Reschedule a job',
      description: 'Puts the job back on the queue (pending, executor cleared). A no-op for terminal jobs ' +
        '(skipped_terminal) unless force is true.',
      params: JobIdParams, body: RescheduleBody,
      response: { 200: RescheduleResponse, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const identity = identityOf(request);
    const { job_id } = request.params;
    const result = await jobReschedule(app.db, job_id, jobScopeOf(identity), request.body.force ?? false,
      actorOf(identity));
    const job = await app.effects.outcome(result, request.body.force ? 'reschedule_forced' : 'reschedule', job_id);
    return { outcome: result.outcome === 'applied' ? 'rescheduled' as const : 'skipped_terminal' as const, job };
  });

  app.post('/jobs/:job_id/request-cancellation', {
    config: JOB_WRITE,
    preValidation: emptyBodyAsObject,
    schema: {
      tags, summary: 'Request cancellation of a job',
      description: 'Moves a pending or running job to pending_cancellation so the data plane can stop the work. ' +
        'A no-op for terminal jobs and for jobs already pending_cancellation.',
      params: JobIdParams, response: { 200: JobRef, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const identity = identityOf(request);
    const { job_id } = request.params;
    const result = await jobRequestCancellation(app.db, job_id, jobScopeOf(identity), actorOf(identity));
    return app.effects.outcome(result, 'request_cancellation', job_id);
  });

  app.post('/jobs/:job_id/cancel', {
    config: JOB_WRITE,
    preValidation: emptyBodyAsObject,
    schema: {
      tags, summary: 'Cancel a job',
      description: 'Finalizes a requested cancellation: pending_cancellation -> cancelled. A no-op for terminal ' +
        'jobs; a pending or running job is rejected with 409 (use request-cancellation first). An executor ' +
        'acknowledging the cancellation of the job it runs passes its lease (executor, attempt): a stale lease gets 409.',
      params: JobIdParams, body: CancelBody, response: { 200: JobRef, ...problemResponses(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const identity = identityOf(request);
    const { job_id } = request.params;
    const { executor, attempt } = request.body;
    if ((executor === undefined) !== (attempt === undefined)) {
      throw new DomainError('validation_failed', 'pass both executor and attempt, or neither', {
        errors: [{ in: 'body', pointer: executor === undefined ? '/executor' : '/attempt', message: 'is required with the other lease field' }],
      });
    }
    const fence = executor !== undefined && attempt !== undefined ? { executor, attempt } : undefined;
    const actor = fence ? { type: 'executor' as const, executor: fence.executor } : actorOf(identity);
    const result = await jobCancel(app.db, job_id, jobScopeOf(identity), actor, fence);
    return app.effects.outcome(result, 'cancel', job_id, fence);
  });
}

async function emptyBodyAsObject(request: { body: unknown }): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

/**
 * The job's plane: the one asked for, else the company's default. An operator token (bound to one plane) creates
 * jobs on its own plane only: any other is "not found", as it could never drive or even read them.
 */
async function resolveDataPlane(app: FastifyInstance, identity: Identity, requested: string | undefined) {
  if (identity.dataPlaneId !== null) {
    if (requested !== undefined && requested !== identity.dataPlaneId) {
      throw new DomainError('validation_failed', `data plane ${requested} was not found`, {
        errors: [{ in: 'body', pointer: '/data_plane_id', message: 'an operator token creates jobs on its own data plane only' }],
      });
    }
    return identity.dataPlaneId;
  }
  if (requested !== undefined) {
    const plane = await dataPlaneGet(app.db, identity.companyId, requested);
    if (!plane) {
      throw new DomainError('validation_failed', `data plane ${requested} was not found`, {
        errors: [{ in: 'body', pointer: '/data_plane_id', message: 'is not a data plane of your company' }],
      });
    }
    return plane.id;
  }
  const company = await companyGet(app.db, identity.companyId);
  if (!company?.default_data_plane_id) {
    throw new DomainError('validation_failed', 'your company has no default data plane; pass data_plane_id', {
      errors: [{ in: 'body', pointer: '/data_plane_id', message: 'is required: the company has no default data plane' }],
    });
  }
  return company.default_data_plane_id;
}
