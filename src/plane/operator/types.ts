import type { Logger } from 'pino';
import type { JobplaneClient } from '../../client/client.js';
import type { Job, JsonObject } from '../../client/types.js';
import type { JobCompletion } from './job-completion.js';

/**
 * What a handler gets besides the job. Heartbeats are sent for it; it only has to honour `signal` and may report
 * progress. `signal.reason` is a `JobAbortedError` saying why (see `AbortCause`).
 */
export interface JobContext {
  /** Aborts on a cancellation request, a lost lease (409) or the end of a drain's grace period. */
  signal: AbortSignal;
  /** Free-form progress, sent with the next heartbeat (only the latest value is kept). */
  progress(update: JsonObject): void;
  /** pino child logger; every line carries job_id, job_type, executor and attempt. */
  log: Logger;
  /** The executor running the job and the attempt it holds: together, the lease. */
  executor: string;
  attempt: number;
}

/**
 * One module per job type. `run` resolves with the job's result (a JSON object, stored as `Job.result`), or with a
 * `JobCompletion` when the completion carries more (a snapshot to commit with it), or throws: `FatalError` = do
 * not retry, `RetryableError` or anything else = retry while attempts are left.
 */
export interface JobHandler<R extends JsonObject = JsonObject> {
  type: string;
  run(job: Job, ctx: JobContext): Promise<R | JobCompletion<R>>;
}

/** What the operator offers handler factories: set up once per operator, shared by all jobs. */
export interface HandlerEnv {
  /** The typed SDK, authenticated as the operator (e.g. to read datasets and snapshots). */
  client: JobplaneClient;
  dataPlaneId: string;
  /** Where this plane's dataset files live (`--storage-root`). */
  storageRoot: string;
  /** A Spark plane's cluster (`--engine spark --spark-remote sc://...`); absent on a DuckDB plane. */
  spark?: { remote: string; conf?: Record<string, string> | undefined } | undefined;
  /**
   * How often a handler writing under storageRoot must touch its attempt's directory (`keepAttemptAlive`), so that
   * no orphan sweep on this storage mistakes a long-running attempt for a dead one.
   */
  attemptKeepAliveMs: number;
  log: Logger;
  /**
   * One instance per operator of a resource several handlers share (a DuckDB engine): opened on first use,
   * closed (in reverse order) after the operator's last job ended.
   */
  shared<T>(key: string, open: () => Promise<T>, close?: (value: T) => Promise<void>): Promise<T>;
}

/** A module may export this instead of a handler, when the handler needs resources (see HandlerEnv). */
export type HandlerFactory = (env: HandlerEnv) => JobHandler | Promise<JobHandler>;

/** Why a handler's signal fired. */
export type AbortCause = 'cancel_requested' | 'lease_lost' | 'drain_timeout';

/** How a job ended for this operator. */
export type JobOutcome =
  /** complete accepted */
  | 'completed'
  /** fail accepted (the server retries it or not) */
  | 'failed'
  /** cancellation acknowledged */
  | 'cancelled'
  /** the lease is no longer ours (409/404): another executor owns the job, or it finished; we said nothing more */
  | 'lease_lost'
  /** the operator stopped before the report got through (the lease expires, or deregistration releases the job) */
  | 'abandoned';
