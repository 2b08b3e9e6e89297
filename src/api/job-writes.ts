import type { Queryable } from '../store/db/types.js';
import {
  jobCompleteMany, jobFailMany, jobHeartbeatMany, jobRunMany,
  type CompleteRequest, type FailRequest, type HeartbeatRequest, type RunRequest,
} from '../store/job-batches.js';
import { jobComplete, jobFail, jobHeartbeat, jobRun, type TransitionResult } from '../store/job-transitions.js';
import type { RetryPolicy } from '../store/retry-policy.js';
import { GroupCommit } from './group-commit.js';

export type { CompleteRequest, FailRequest, HeartbeatRequest, RunRequest } from '../store/job-batches.js';

export interface JobWritesOptions {
  leaseMs: number;
  /** Most requests per statement (`JOBPLANE_RUN_BATCH_MAX`, 1 = one statement per request). */
  maxBatch: number;
  retry: RetryPolicy;
  onBatch?(kind: 'run' | 'complete' | 'fail' | 'heartbeat', size: number): void;
}

/**
 * The executor-facing writes of the API, each behind its own group commit (src/api/group-commit.ts): concurrent
 * `run`, `complete`, `fail` and `heartbeat` requests share one statement per kind, whether they came one per request
 * or as the items of a batch request (`POST /jobs/complete` with a list). Every request keeps its own outcome.
 */
export class JobWrites {
  private readonly runs: GroupCommit<RunRequest, TransitionResult>;
  private readonly completes: GroupCommit<CompleteRequest, TransitionResult>;
  private readonly fails: GroupCommit<FailRequest, TransitionResult>;
  private readonly heartbeats: GroupCommit<HeartbeatRequest, TransitionResult>;

  constructor(db: Queryable, opts: JobWritesOptions) {
    const common = { maxBatch: opts.maxBatch, key: (r: { jobId: string }) => r.jobId };
    const onBatch = (kind: 'run' | 'complete' | 'fail' | 'heartbeat') => (size: number) => opts.onBatch?.(kind, size);
    this.runs = new GroupCommit<RunRequest, TransitionResult>({
      ...common, onBatch: onBatch('run'),
      one: (r) => jobRun(db, r.jobId, r.scope, r.executor, opts.leaseMs, r.actor),
      many: (rs) => jobRunMany(db, rs, opts.leaseMs),
    });
    this.completes = new GroupCommit<CompleteRequest, TransitionResult>({
      ...common, onBatch: onBatch('complete'),
      one: (r) => jobComplete(db, r.jobId, r.scope, r.fence, r.result, r.actor, r.inputs),
      many: (rs) => jobCompleteMany(db, rs),
    });
    this.fails = new GroupCommit<FailRequest, TransitionResult>({
      ...common, onBatch: onBatch('fail'),
      one: (r) => jobFail(db, r.jobId, r.scope, r.fence, { failure: r.failure, retryable: r.retryable, retry: opts.retry }, r.actor),
      many: (rs) => jobFailMany(db, rs, opts.retry),
    });
    this.heartbeats = new GroupCommit<HeartbeatRequest, TransitionResult>({
      ...common, onBatch: onBatch('heartbeat'),
      one: (r) => jobHeartbeat(db, r.jobId, r.scope, r.fence, opts.leaseMs, r.progress, r.actor),
      many: (rs) => jobHeartbeatMany(db, rs, opts.leaseMs),
    });
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
