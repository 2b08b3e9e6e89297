import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { DomainError, notFound } from '../../core/errors.js';
import type { Identity } from '../plugins/auth.js';
import { identityOf, jobScopeOf } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import { ClaimBody, ClaimResponse, CompleteBody, FailBody, HeartbeatBody, HeartbeatResponse, JobIdParams } from '../schemas/jobs.js';
import { jobClaim } from '../../store/job-claims.js';
import { jobComplete, jobFail, jobHeartbeat, type Fence } from '../../store/job-transitions.js';
import { jobGet } from '../../store/jobs.js';
import { snapshotCommitWithJob } from '../../store/snapshots.js';
import { SnapshotManifest } from '../schemas/datasets.js';
import { dataPlaneGetById } from '../../store/data-planes.js';
import { executorGet } from '../../store/executors.js';
import { longPoll, requestLifetime } from '../request-lifetime.js';
import { jobAfterTransition } from './transition-effects.js';

const JOB_WRITE = { auth: { resource: 'jobs', access: 'write' } } as const;

const executorActor = (executor: string) => ({ type: 'executor' as const, executor });

/**
 * The executor-facing half of the Jobs API: claim (long-poll), heartbeat, complete, fail. Every call after the
 * claim carries the lease (executor + attempt); a stale lease gets 409 and changes nothing, so a zombie executor
 * can never complete a job that was reclaimed, rescheduled or finished.
 */
export default async function executorJobRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['executors'];

  app.post('/jobs/claim', {
    config: JOB_WRITE,
    schema: {
      tags, summary: 'Claim jobs (operator)',
      description: 'Moves up to `limit` claimable jobs of the plane to running for this executor, highest priority ' +
        'then oldest first, honoring its slots, compute pool limit, dedicated jobs and types. With `wait_ms` it ' +
        'long-polls until a job becomes claimable. Headers x-jobplane-lease-ms and x-jobplane-heartbeat-ms say how ' +
        'often to heartbeat.',
      body: ClaimBody, response: { 200: ClaimResponse, ...problemResponses(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const identity = identityOf(request);
    const b = request.body;
    await checkPlane(app, identity, b.data_plane_id);
    // Claims come from registered executors only: their slots, pool and types are what routing honours, and a
    // deregistered executor (whose jobs were just released) must not take them back. `run` keeps the seed's
    // contract and accepts any executor id.
    const registration = await executorGet(app.db, b.executor);
    if (!registration) throw notFound(`executor ${b.executor} (register it with POST /executors first)`);
    if (registration.data_plane_id !== b.data_plane_id) {
      throw new DomainError('conflict', `executor ${b.executor} is registered on data plane ${registration.data_plane_id}`);
    }
    const started = performance.now();
    const records = await longPoll({
      waitMs: b.wait_ms ?? 0, pollMs: app.apiConfig.claimPollMs, stop: requestLifetime(app, reply),
      look: () => claim(app, b),
      wake: (ms, stop) => app.signals.wait(b.data_plane_id, ms, stop),
    });
    app.metrics.claimWait.observe({ outcome: records.length > 0 ? 'claimed' : 'empty' }, (performance.now() - started) / 1000);
    for (const job of records) app.metrics.recordTransition(job.type, null, 'running', 'claim');
    reply.header('x-jobplane-lease-ms', app.apiConfig.leaseMs).header('x-jobplane-heartbeat-ms', app.apiConfig.heartbeatMs);
    return { records };
  });

  app.post('/jobs/:job_id/heartbeat', {
    config: JOB_WRITE,
    schema: {
      tags, summary: 'Heartbeat a running job (operator)',
      description: 'Extends the lease. The reply says whether cancellation was requested. A stale lease gets 409.',
      params: JobIdParams, body: HeartbeatBody, response: { 200: HeartbeatResponse, ...problemResponses(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const identity = identityOf(request);
    const { executor, attempt, progress } = request.body;
    const { job_id } = request.params;
    const result = await jobHeartbeat(app.db, job_id, jobScopeOf(identity), { executor, attempt }, app.apiConfig.leaseMs,
      progress, executorActor(executor));
    const job = await jobAfterTransition(app, result, 'heartbeat', job_id, { executor, attempt });
    return { state: job.state, cancel_requested: job.state === 'pending_cancellation', lease_expires_at: job.lease_expires_at! };
  });

  app.post('/jobs/:job_id/complete', {
    config: JOB_WRITE,
    schema: {
      tags, summary: 'Complete a job (operator)',
      description: 'Stores the result and ends the job completed. A stale lease gets 409 and changes nothing.',
      params: JobIdParams, body: CompleteBody, response: { 200: Type.Ref('Job'), ...problemResponses(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const identity = identityOf(request);
    const { executor, attempt, result, snapshot } = request.body;
    const { job_id } = request.params;
    const fence = { executor, attempt };
    if (snapshot) return completeWithSnapshot(app, identity, job_id, fence, result as Record<string, unknown>, snapshot);
    const outcome = await jobComplete(app.db, job_id, jobScopeOf(identity), fence, result as Record<string, unknown>,
      executorActor(executor));
    return jobAfterTransition(app, outcome, 'complete', job_id, fence);
  });

  app.post('/jobs/:job_id/fail', {
    config: JOB_WRITE,
    schema: {
      tags, summary: 'Fail a job attempt (operator)',
      description: 'Appends the failure. The job becomes failed, retried with backoff while retryable and attempts ' +
        'are left; a job whose cancellation was requested becomes cancelled. A stale lease gets 409.',
      params: JobIdParams, body: FailBody, response: { 200: Type.Ref('Job'), ...problemResponses(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const identity = identityOf(request);
    const { executor, attempt, failure, retryable } = request.body;
    const { job_id } = request.params;
    const outcome = await jobFail(app.db, job_id, jobScopeOf(identity), { executor, attempt }, {
      failure: { message: failure.message, timestamp: new Date().toISOString(), value: (failure.value ?? {}) as Record<string, unknown> },
      retryable: retryable ?? true,
      retry: app.apiConfig.retry,
    }, executorActor(executor));
    return jobAfterTransition(app, outcome, 'fail', job_id, { executor, attempt });
  });
}

/**
 * Completes a materialize-view job together with the snapshot it wrote, in one transaction: a snapshot is visible
 * if and only if its job completed. The manifest must describe the job's own dataset and result.
 */
async function completeWithSnapshot(
  app: FastifyInstance, identity: Identity, jobId: string, fence: Fence, result: Record<string, unknown>,
  manifest: Static<typeof SnapshotManifest>,
) {
  const scope = jobScopeOf(identity);
  const job = await jobGet(app.db, jobId, scope);
  if (!job) throw notFound(`job ${jobId}`);
  const invalid = (pointer: string, message: string) =>
    new DomainError('validation_failed', `body${pointer} ${message}`, { errors: [{ in: 'body', pointer, message }] });
  if (job.type !== 'materialize-view') throw invalid('/snapshot', `is only for materialize-view jobs, not ${job.type}`);
  if (manifest.dataset_id !== job.input['dataset_id']) throw invalid('/snapshot/dataset_id', 'must be the job\'s dataset_id');
  if (result['snapshot_id'] !== manifest.snapshot_id) throw invalid('/result/snapshot_id', 'must be the snapshot\'s snapshot_id');
  const prefix = `datasets/${manifest.dataset_id}/snapshots/`;
  const foreign = manifest.files.findIndex((f) => !f.path.startsWith(prefix));
  if (foreign >= 0) throw invalid(`/snapshot/files/${foreign}/path`, `must be under ${prefix}`);
  const stats = manifest.column_stats
    ? { recalculationId: manifest.column_stats.recalculation_id, stats: manifest.column_stats.stats as Record<string, unknown> }
    : undefined;
  const committed = await snapshotCommitWithJob(app.db, jobId, scope, fence, result, {
    snapshotId: manifest.snapshot_id, datasetId: manifest.dataset_id, parentSnapshotId: manifest.parent_snapshot_id,
    operation: manifest.operation, files: manifest.files, rowCount: manifest.row_count, bytes: manifest.bytes,
    jobId, inputs: manifest.inputs,
  }, stats, executorActor(fence.executor));
  switch (committed.outcome) {
    case 'committed':
      return jobAfterTransition(app, { outcome: 'applied', job: committed.job, from: job.state }, 'complete', jobId, fence);
    case 'job':
      return jobAfterTransition(app, committed.result, 'complete', jobId, fence);
    case 'parent_moved':
      throw new DomainError('conflict', `dataset ${manifest.dataset_id} got a newer snapshot than ${manifest.parent_snapshot_id} meanwhile; fail the attempt as retryable to rebuild on it`);
  }
}

function claim(app: FastifyInstance, b: { executor: string; data_plane_id: string; types?: string[] | undefined; compute_pool_id?: string | undefined; limit?: number | undefined }) {
  return jobClaim(app.db, {
    executor: b.executor, dataPlaneId: b.data_plane_id, types: b.types, computePoolId: b.compute_pool_id,
    limit: b.limit ?? 1, leaseMs: app.apiConfig.leaseMs,
  }, executorActor(b.executor));
}

/** The caller may claim on its operator token's plane, or on a plane of its company. */
async function checkPlane(app: FastifyInstance, identity: Identity, planeId: string): Promise<void> {
  if (identity.dataPlaneId !== null) {
    if (identity.dataPlaneId !== planeId) throw notFound(`data plane ${planeId}`);
    return;
  }
  const plane = await dataPlaneGetById(app.db, planeId);
  if (!plane || plane.company_id !== identity.companyId) throw notFound(`data plane ${planeId}`);
}
