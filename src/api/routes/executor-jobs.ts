import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { bodyError, DomainError, notFound } from '../../core/errors.js';
import type { Job, JobInput } from '../../core/job.js';
import type { Identity } from '../plugins/auth.js';
import { identityOf, jobScopeOf } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import {
  BATCH_ITEM_STATUSES, BatchResults, ClaimBody, ClaimResponse, CompleteBatchBody, CompleteBody, FailBatchBody, FailBody, HeartbeatBatchBody,
  HeartbeatBody, HeartbeatResponse, JobIdParams,
} from '../schemas/jobs.js';
import type { JobScope } from '../../store/job-columns.js';
import type { Fence, TransitionResult } from '../../store/job-transitions.js';
import { jobGet } from '../../store/jobs.js';
import type { CompletionWithExtras } from '../job-types/index.js';
import { longPoll, requestLifetime } from '../request-lifetime.js';
import { toDomainError } from '../problems.js';

const JOB_WRITE = { auth: { resource: 'jobs', access: 'write' } } as const;

const executorActor = (executor: string) => ({ type: 'executor' as const, executor });

type CompleteItem = Static<typeof CompleteBody> & { job_id: string };
type BatchStatus = (typeof BATCH_ITEM_STATUSES)[number];
type FailItem = Static<typeof FailBody> & { job_id: string };
type HeartbeatItem = Static<typeof HeartbeatBody> & { job_id: string };

/**
 * The executor-facing half of the Jobs API: claim (long-poll), heartbeat, complete, fail, one job per request or
 * many (`POST /jobs/complete|fail|heartbeat` with a list). Every call after the claim carries the lease (executor +
 * attempt); a stale lease gets 409 (or, in a batch, that item alone is refused) and changes nothing, so a zombie
 * executor can never complete a job that was reclaimed, rescheduled or finished. Concurrent writes of one kind share
 * a statement (group commit, src/api/job-writes.ts), however they arrived.
 */
export default async function executorJobRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['executors'];

  app.post('/jobs/claim', {
    config: JOB_WRITE,
    schema: {
      tags, summary: 'Claim jobs (operator)',
      description: 'Moves up to `limit` claimable jobs of the plane to running for this executor, highest priority ' +
        'then oldest first, honoring its slots, compute pool limit, dedicated jobs and types, in one statement. With ' +
        '`wait_ms` it long-polls until a job becomes claimable. Headers x-jobplane-lease-ms and x-jobplane-heartbeat-ms ' +
        'say how often to heartbeat.',
      body: ClaimBody, response: { 200: ClaimResponse, ...problemResponses(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const identity = identityOf(request);
    const b = request.body;
    // An operator token claims on its own plane only; a user token's plane is checked inside the claim statement.
    if (identity.dataPlaneId !== null && identity.dataPlaneId !== b.data_plane_id) throw notFound(`data plane ${b.data_plane_id}`);
    const started = performance.now();
    // Claims come from registered executors only: their slots, pool and types are what routing honours, and a
    // deregistered executor (whose jobs were just released) must not take them back. `run` keeps the seed's
    // contract and accepts any executor id. The registration is read by the claim statement itself.
    const waitMs = b.wait_ms ?? 0;
    // Without a wait, one look: no wake-up to arm and no lifetime to watch (its signals cost more than the claim's
    // own JavaScript at queue speed, bench/results/queue.md).
    const records = waitMs <= 0 ? await claim(app, identity, b) : await longPoll({
      waitMs, pollMs: app.apiConfig.claimPollMs, stop: requestLifetime(app, reply),
      look: () => claim(app, identity, b),
      wake: (ms, stop) => app.signals.wait(b.data_plane_id, ms, stop),
    });
    app.metrics.claimWait.observe({ outcome: records.length > 0 ? 'claimed' : 'empty' }, (performance.now() - started) / 1000);
    await app.effects.applied(records.map((job) => ({
      action: 'claim', type: job.type, dataPlaneId: job.data_plane_id, executor: job.executor, from: null, to: job.state,
    })));
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
    const item = { ...request.body, job_id: request.params.job_id };
    const job = await app.effects.outcome(await heartbeat(app, jobScopeOf(identityOf(request)), item), 'heartbeat', item.job_id, fenceOf(item));
    return heartbeatReply(job);
  });

  app.post('/jobs/:job_id/complete', {
    config: JOB_WRITE,
    schema: {
      tags, summary: 'Complete a job (operator)',
      description: 'Stores the result and ends the job completed. A stale lease gets 409 and changes nothing.',
      params: JobIdParams, body: CompleteBody, response: { 200: Type.Ref('Job'), ...problemResponses(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const item = { ...request.body, job_id: request.params.job_id };
    return app.effects.outcome(await complete(app, jobScopeOf(identityOf(request)), item), 'complete', item.job_id, fenceOf(item));
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
    const item = { ...request.body, job_id: request.params.job_id };
    return app.effects.outcome(await fail(app, jobScopeOf(identityOf(request)), item), 'fail', item.job_id, fenceOf(item));
  });

  const batchDoc = (what: string) => `${what} several jobs in one request, each item with its own lease, judged alone ` +
    'and answered in request order: a stale lease or a wrong state refuses that item only (its `status` and `problem` ' +
    'say why). Items of concurrent requests share one statement.';

  app.post('/jobs/complete', {
    config: JOB_WRITE,
    schema: {
      tags, summary: 'Complete many jobs (operator)', description: batchDoc('Completes'),
      body: CompleteBatchBody, response: { 200: BatchResults, ...problemResponses(400, 401, 403) },
    },
  }, async (request) => {
    const scope = jobScopeOf(identityOf(request));
    return { results: await batch(app, request.body.completions, 'complete', (item) => complete(app, scope, item)) };
  });

  app.post('/jobs/fail', {
    config: JOB_WRITE,
    schema: {
      tags, summary: 'Fail many job attempts (operator)', description: batchDoc('Fails'),
      body: FailBatchBody, response: { 200: BatchResults, ...problemResponses(400, 401, 403) },
    },
  }, async (request) => {
    const scope = jobScopeOf(identityOf(request));
    return { results: await batch(app, request.body.failures, 'fail', (item) => fail(app, scope, item)) };
  });

  app.post('/jobs/heartbeat', {
    config: JOB_WRITE,
    schema: {
      tags, summary: 'Heartbeat many running jobs (operator)', description: batchDoc('Extends the leases of'),
      body: HeartbeatBatchBody, response: { 200: BatchResults, ...problemResponses(400, 401, 403) },
    },
  }, async (request) => {
    const scope = jobScopeOf(identityOf(request));
    const results = await batch(app, request.body.heartbeats, 'heartbeat', (item) => heartbeat(app, scope, item));
    // A heartbeat answers with the lease and whether to stop, not the whole job.
    return {
      results: results.map(({ job, ...r }) => (job
        ? { ...r, cancel_requested: job.state === 'pending_cancellation', lease_expires_at: job.lease_expires_at! }
        : r)),
    };
  });
}

const fenceOf = (item: { executor: string; attempt: number }): Fence => ({ executor: item.executor, attempt: item.attempt });

const inputsOf = (inputs: Array<{ dataset_id: number; snapshot_id?: number | null }> | undefined): JobInput[] | undefined =>
  inputs?.map((i) => ({ dataset_id: i.dataset_id, snapshot_id: i.snapshot_id ?? null }));

function heartbeatReply(job: Job) {
  return { state: job.state, cancel_requested: job.state === 'pending_cancellation', lease_expires_at: job.lease_expires_at! };
}

function heartbeat(app: FastifyInstance, scope: JobScope, item: HeartbeatItem): Promise<TransitionResult> {
  return app.writes.heartbeat({
    jobId: item.job_id, scope, fence: fenceOf(item), progress: item.progress, actor: executorActor(item.executor),
  });
}

/**
 * The snapshots a completion reports having read (its lineage) must be of the datasets the job was created to read
 * (create-checks.ts checked those are the caller's, on the job's plane), and a pinned input exactly its snapshot: an
 * operator cannot record another tenant's dataset as a view's input.
 */
function checkReportedInputs(job: Job, reported: NonNullable<CompleteItem['inputs']>): void {
  const created = new Map(job.inputs.map((i) => [i.dataset_id, i.snapshot_id]));
  reported.forEach((input, i) => {
    if (!created.has(input.dataset_id)) {
      throw bodyError(`/inputs/${i}/dataset_id`, `dataset ${input.dataset_id} is not an input of job ${job.job_id} (its inputs: ${[...created.keys()].join(', ') || 'none'})`);
    }
    const pinned = created.get(input.dataset_id);
    if (pinned != null && input.snapshot_id !== pinned) {
      throw bodyError(`/inputs/${i}/snapshot_id`, `job ${job.job_id} reads snapshot ${pinned} of dataset ${input.dataset_id}, not ${input.snapshot_id ?? 'null'}`);
    }
  });
}

async function complete(app: FastifyInstance, scope: JobScope, item: CompleteItem): Promise<TransitionResult> {
  const base = {
    jobId: item.job_id, scope, fence: fenceOf(item), result: item.result as Record<string, unknown>,
    inputs: inputsOf(item.inputs), actor: executorActor(item.executor),
  };
  const extras = Boolean(item.snapshot || item.column_stats);
  const reported = item.inputs && item.inputs.length > 0 ? item.inputs : undefined;
  // A plain completion goes straight to the group-committed statement; one that reports inputs or commits extras
  // needs the job (read once, for both).
  if (!extras && !reported) return app.writes.complete(base);
  const job = await jobGet(app.db, item.job_id, scope);
  if (!job) return { outcome: 'not_found' };
  if (reported) checkReportedInputs(job, reported);
  if (!extras) return app.writes.complete(base);
  return completeWithExtras(app, {
    db: app.db, ...base, manifest: item.snapshot,
    columnStats: item.column_stats && { ...item.column_stats, stats: item.column_stats.stats as Record<string, unknown> },
  }, job);
}

function fail(app: FastifyInstance, scope: JobScope, item: FailItem): Promise<TransitionResult> {
  return app.writes.fail({
    jobId: item.job_id, scope, fence: fenceOf(item), actor: executorActor(item.executor), retryable: item.retryable ?? true,
    failure: { message: item.failure.message, timestamp: new Date().toISOString(), value: (item.failure.value ?? {}) as Record<string, unknown> },
  });
}

/** Each item alone: its outcome, or the problem that refused it, as one entry of the batch's answer. */
async function batch<T extends { job_id: string; executor: string; attempt: number }>(
  app: FastifyInstance, items: readonly T[], action: string, write: (item: T) => Promise<TransitionResult>,
) {
  const seen = new Set<string>();
  return Promise.all(items.map(async (item) => {
    try {
      if (seen.has(item.job_id)) throw new DomainError('validation_failed', `job ${item.job_id} appears twice in this batch`);
      seen.add(item.job_id);
      const job = await app.effects.outcome(await write(item), action, item.job_id, fenceOf(item));
      return { job_id: item.job_id, status: job.state as BatchStatus, job };
    } catch (err) {
      const problem = toDomainError(err as never);
      if (problem.code === 'internal') throw err;
      const byCode: Record<string, BatchStatus> = { stale_lease: 'stale_lease', not_found: 'not_found', transition_not_allowed: 'conflict', conflict: 'conflict' };
      return { job_id: item.job_id, status: byCode[problem.code] ?? 'invalid', problem: { code: problem.code, detail: problem.message } };
    }
  }));
}

/** A completion that carries a snapshot or statistics: its job type commits them with the completion, atomically. */
async function completeWithExtras(app: FastifyInstance, c: CompletionWithExtras, job: Job): Promise<TransitionResult> {
  const commit = app.jobTypes.get(job.type)?.completeWithExtras;
  if (!commit) {
    const pointer = c.manifest ? '/snapshot' : '/column_stats';
    throw new DomainError('validation_failed', `body${pointer} is not accepted for ${job.type} jobs`, {
      errors: [{ in: 'body', pointer, message: `a ${job.type} job completes with a result only` }],
    });
  }
  return commit(c, job);
}

async function claim(
  app: FastifyInstance, identity: Identity,
  b: { executor: string; data_plane_id: string; types?: string[] | undefined; compute_pool_id?: string | undefined; limit?: number | undefined },
): Promise<Job[]> {
  const result = await app.writes.claim({
    executor: b.executor, dataPlaneId: b.data_plane_id, types: b.types, computePoolId: b.compute_pool_id,
    limit: b.limit ?? 1, leaseMs: app.apiConfig.leaseMs,
    companyId: identity.companyId, boundPlaneId: identity.dataPlaneId ?? undefined, actor: executorActor(b.executor),
  });
  switch (result.outcome) {
    case 'claimed':
      return result.jobs;
    case 'not_registered':
      throw notFound(`executor ${b.executor} (register it with POST /executors first)`);
    case 'plane_not_found':
      throw notFound(`data plane ${b.data_plane_id}`);
    case 'wrong_plane':
      throw new DomainError('conflict', `executor ${b.executor} is registered on data plane ${result.registeredPlaneId}`);
    case 'pool_not_found':
      throw notFound(`compute pool ${b.compute_pool_id} of data plane ${b.data_plane_id}`);
  }
}
