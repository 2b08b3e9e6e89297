import { randomUUID } from 'node:crypto';
import type { Queryable } from '../store/db/types.js';
import {
  jobCompleteMany, jobFailMany, jobHeartbeatMany, jobRunMany,
  type CompleteRequest, type FailRequest, type HeartbeatRequest, type RunRequest,
} from '../store/job-batches.js';
import { jobClaimMany, type ClaimOfExecutor } from '../store/job-claim-batches.js';
import { jobClaim, type ClaimResult } from '../store/job-claims.js';
import { jobComplete, jobFail, jobHeartbeat, jobRun, type TransitionResult } from '../store/job-transitions.js';
import { jobCreate, jobCreateMany, type CreateJobResult, type JobToCreate } from '../store/jobs.js';
import type { RetryPolicy } from '../store/retry-policy.js';
import { GroupCommit } from './group-commit.js';

export type { CompleteRequest, FailRequest, HeartbeatRequest, RunRequest } from '../store/job-batches.js';

export type WriteKind = 'create' | 'claim' | 'run' | 'complete' | 'fail' | 'heartbeat';

export interface JobWritesOptions {
  leaseMs: number;
  /** Most requests per statement (`JOBPLANE_RUN_BATCH_MAX`, 1 = one statement per request). */
  maxBatch: number;
  retry: RetryPolicy;
  onBatch?(kind: WriteKind, size: number): void;
}

/**
 * In-flight statements of each executor-path batcher (claim, complete, fail, heartbeat): one. Claim statements side
 * by side read the same head of the queue and skip each other's rows, and each statement has a large fixed cost in
 * PostgreSQL, so two statements cost more than one carrying both requests (on one connection,
 * `bench/queue-statements.ts`: the claim batch about 540 us plus 80 per job, the completion batch 330 plus 55).
 * With one lane every request that arrives while a statement runs goes in the next one. The price: a statement that
 * waits for a row lock holds up the next one of its kind on this server (these statements lock only the rows they
 * change, and SKIP LOCKED the candidates). At 8 executors, limit 1: 2.0 -> 2.4-2.6 requests per statement,
 * PostgreSQL 1,512 -> 1,339-1,375 us per job in full runs of `npm run bench:queue`; batched (limit 20) 2,750 ->
 * 2,940-3,283 jobs/s (bench/results/queue.md, "By hand, 4 December"; docs/decisions.md 33). Create and run keep
 * the default: their batches were measured at 32 connections with it (bench/results/api.md).
 */
const EXECUTOR_PATH_IN_FLIGHT = 1;

/**
 * The hot writes of the API, each behind its own group commit (src/api/group-commit.ts): concurrent `create`,
 * `claim`, `run`, `complete`, `fail` and `heartbeat` requests share one statement per kind, whether they came one per request
 * or as the items of a batch request (`POST /jobs/complete` with a list). Every request keeps its own outcome.
 */
export class JobWrites {
  private readonly creates: GroupCommit<JobToCreate, CreateJobResult>;
  private readonly claims: GroupCommit<ClaimOfExecutor, ClaimResult>;
  private readonly runs: GroupCommit<RunRequest, TransitionResult>;
  private readonly completes: GroupCommit<CompleteRequest, TransitionResult>;
  private readonly fails: GroupCommit<FailRequest, TransitionResult>;
  private readonly heartbeats: GroupCommit<HeartbeatRequest, TransitionResult>;

  constructor(db: Queryable, opts: JobWritesOptions) {
    const common = { maxBatch: opts.maxBatch, key: (r: { jobId: string }) => r.jobId };
    const executorPath = { ...common, maxInFlight: EXECUTOR_PATH_IN_FLIGHT };
    const onBatch = (kind: WriteKind) => (size: number) => opts.onBatch?.(kind, size);
    this.creates = new GroupCommit<JobToCreate, CreateJobResult>({
      maxBatch: opts.maxBatch, onBatch: onBatch('create'),
      // Creates with one idempotency key never share a batch: the second runs alone and finds the first job.
      key: (c) => `${c.job.companyId}\u0000${c.job.idempotencyKey ?? randomUUID()}`,
      one: (c) => jobCreate(db, c.job, c.actor),
      many: async (cs) => (await jobCreateMany(db, cs)).map((job) => (job ? { job, created: true } : undefined)),
    });
    this.claims = new GroupCommit<ClaimOfExecutor, ClaimResult>({
      maxBatch: opts.maxBatch, maxInFlight: EXECUTOR_PATH_IN_FLIGHT, onBatch: onBatch('claim'),
      // Two claims of one executor never share a statement: the second runs alone once the first has committed.
      key: (c) => c.executor,
      one: (c) => jobClaim(db, c, c.actor),
      many: (cs) => jobClaimMany(db, cs),
    });
    this.runs = new GroupCommit<RunRequest, TransitionResult>({
      ...common, onBatch: onBatch('run'),
      one: (r) => jobRun(db, r.jobId, r.scope, r.executor, opts.leaseMs, r.actor),
      many: (rs) => jobRunMany(db, rs, opts.leaseMs),
    });
    this.completes = new GroupCommit<CompleteRequest, TransitionResult>({
      ...executorPath, onBatch: onBatch('complete'),
      one: (r) => jobComplete(db, r.jobId, r.scope, r.fence, r.result, r.actor, r.inputs),
      many: (rs) => jobCompleteMany(db, rs),
    });
    this.fails = new GroupCommit<FailRequest, TransitionResult>({
      ...executorPath, onBatch: onBatch('fail'),
      one: (r) => jobFail(db, r.jobId, r.scope, r.fence, { failure: r.failure, retryable: r.retryable, retry: opts.retry }, r.actor),
      many: (rs) => jobFailMany(db, rs, opts.retry),
    });
    this.heartbeats = new GroupCommit<HeartbeatRequest, TransitionResult>({
      ...executorPath, onBatch: onBatch('heartbeat'),
      one: (r) => jobHeartbeat(db, r.jobId, r.scope, r.fence, opts.leaseMs, r.progress, r.actor),
      many: (rs) => jobHeartbeatMany(db, rs, opts.leaseMs),
    });
  }

  /** A job and its create event; a repeated idempotency key answers with the first job (jobCreate). */
  create(request: JobToCreate): Promise<CreateJobResult> {
    return this.creates.submit(request);
  }

  /** Up to `limit` jobs for one executor (jobClaim; concurrent claims of other executors share a statement). */
  claim(request: ClaimOfExecutor): Promise<ClaimResult> {
    return this.claims.submit(request);
  }

  run(request: RunRequest): Promise<TransitionResult> {
    return this.runs.submit(request);
  }

  complete(request: CompleteRequest): Promise<TransitionResult> {
    return this.completes.submit(request);
  }

  fail(request: FailRequest): Promise<TransitionResult> {
    return this.fails.submit(request);
  }

  heartbeat(request: HeartbeatRequest): Promise<TransitionResult> {
    return this.heartbeats.submit(request);
  }
}
