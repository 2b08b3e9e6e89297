import type { Logger } from 'pino';
import type { JobplaneClient } from '../../client/client.js';
import { isApiError, isConflict, isNotFound, isTransient } from '../../client/errors.js';
import type { Job, JsonObject, Lease } from '../../client/types.js';
import { GaveUpError, withApiRetry } from './api-retry.js';
import type { BackoffOptions } from './backoff.js';
import { classifyFailure, isPlainObject, JobAbortedError, type ClassifiedFailure } from './handler-errors.js';
import { JobCompletion } from './job-completion.js';
import type { OutageLog } from './outage-log.js';
import type { AbortCause, JobContext, JobHandler, JobOutcome } from './types.js';

/** The calls one job needs; a subset of the client so that tests can fake it. */
export type JobApi = Pick<JobplaneClient, 'heartbeatJob' | 'completeJob' | 'failJob' | 'acknowledgeCancellation' | 'getJob'>;

export interface JobRunnerOptions {
  api: JobApi;
  job: Job;
  /** The executor id the job was claimed with: with `job.attempt`, the lease presented on every call. */
  executor: string;
  handler: JobHandler | undefined;
  heartbeatMs: number;
  log: Logger;
  outage: OutageLog;
  backoff?: BackoffOptions | undefined;
  /** How long a handler may go on after its signal fired before the runner stops waiting for it. */
  abortGraceMs: number;
  /** Aborted when the operator must stop now: reports still failing against a down API are given up. */
  giveUp: AbortSignal;
}

type Settled =
  | { kind: 'result'; result: unknown; cause: AbortCause | undefined }
  | { kind: 'error'; error: unknown; cause: AbortCause | undefined }
  | { kind: 'abandoned'; cause: AbortCause };

/**
 * Runs one claimed job to its end: calls the handler, heartbeats for it at the server's interval, turns the
 * heartbeat's `cancel_requested` or a lost lease into an abort of `ctx.signal`, and reports exactly one outcome
 * (complete, fail or the cancellation acknowledgement) with the lease. A 409 or 404 means the lease is no longer
 * ours: the job is dropped silently and nothing is retried, since another executor may own it now.
 */
export class JobRunner {
  readonly lease: Lease;
  readonly log: Logger;
  private readonly controller = new AbortController();
  private progressToSend: JsonObject | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeating = true;
  private handlerSettled = false;
  private leaseLost = false;
  private promise: Promise<JobOutcome> | undefined;

  constructor(private readonly opts: JobRunnerOptions) {
    this.lease = { executor: opts.executor, attempt: opts.job.attempt };
    this.log = opts.log.child({
      job_id: opts.job.job_id, job_type: opts.job.type, executor: opts.executor, attempt: opts.job.attempt,
    });
  }

  get job(): Job {
    return this.opts.job;
  }

  get dedicated(): boolean {
    return this.opts.job.execution_cluster.type === 'dedicated';
  }

  /** Starts the job (once); resolves with how it ended. Never rejects. */
  run(): Promise<JobOutcome> {
    this.promise ??= this.execute();
    return this.promise;
  }

  /**
   * Fires the handler's signal (the first cause wins). Without effect once the handler has returned. `via` says what
   * brought the news (the cancellation watch, a heartbeat's reply, the operator's own stop), for the log.
   */
  abort(cause: AbortCause, via: 'watch' | 'heartbeat' | 'operator' = 'operator'): void {
    if (this.controller.signal.aborted || this.handlerSettled) return;
    this.log.info({ cause, via }, 'job handler signalled to stop');
    this.controller.abort(new JobAbortedError(cause));
  }

  private get abortCause(): AbortCause | undefined {
    const reason = this.controller.signal.reason as unknown;
    return reason instanceof JobAbortedError ? reason.abortCause : undefined;
  }

  private async execute(): Promise<JobOutcome> {
    this.log.info('job started');
    this.scheduleHeartbeat();
    let settled: Settled | undefined;
    try {
      settled = await this.runHandler();
      const outcome = await this.report(settled);
      this.log.info({ outcome }, 'job finished');
      return outcome;
    } catch (err) {
      if (!(err instanceof GaveUpError)) this.log.error({ err }, 'could not report the job\'s outcome');
      else this.log.warn('operator stopping before the job\'s outcome could be reported; its lease will lapse');
      return 'abandoned';
    } finally {
      this.heartbeating = false;
      clearTimeout(this.heartbeatTimer);
      if (settled?.kind === 'result' && settled.result instanceof JobCompletion) settled.result.extras.release?.();
    }
  }

  private async runHandler(): Promise<Settled> {
    const { handler, job } = this.opts;
    if (!handler) {
      // Another executor may run this type: retryable.
      return { kind: 'error', error: new Error(`this executor has no handler for job type "${job.type}"`), cause: undefined };
    }
    const ctx: JobContext = {
      signal: this.controller.signal,
      progress: (update) => { this.progressToSend = update; },
      log: this.log,
      executor: this.lease.executor,
      attempt: this.lease.attempt,
    };
    let graceTimer: NodeJS.Timeout | undefined;
    const ran = Promise.resolve()
      .then(() => handler.run(job, ctx))
      .then((result): Settled => ({ kind: 'result', result, cause: this.abortCause }),
        (error: unknown): Settled => ({ kind: 'error', error, cause: this.abortCause }));
    // A handler that ignores its signal must not hold the job (or the operator's shutdown) for ever.
    const abandoned = new Promise<Settled>((resolve) => {
      const onAbort = () => {
        graceTimer = setTimeout(() => {
          this.log.warn({ grace_ms: this.opts.abortGraceMs }, 'job handler ignored its abort signal; no longer waiting for it');
          resolve({ kind: 'abandoned', cause: this.abortCause! });
        }, this.opts.abortGraceMs);
      };
      if (this.controller.signal.aborted) onAbort();
      else this.controller.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const settled = await Promise.race([ran, abandoned]);
      if (settled.kind === 'abandoned') void ran.then((late) => this.dropLateCompletion(late));
      return settled;
    } finally {
      this.handlerSettled = true;
      clearTimeout(graceTimer);
    }
  }

  /** An abandoned handler that returns after all: its completion is never sent, so what it wrote is garbage. */
  private async dropLateCompletion(late: Settled): Promise<void> {
    if (late.kind !== 'result' || !(late.result instanceof JobCompletion)) return;
    this.log.warn('an abandoned job handler returned after all; its result is discarded');
    late.result.extras.release?.();
    await this.discard(late.result);
  }

  private async report(settled: Settled): Promise<JobOutcome> {
    const completion = settled.kind === 'result'
      ? (settled.result instanceof JobCompletion ? settled.result : new JobCompletion(settled.result as JsonObject))
      : undefined;
    if (this.leaseLost || settled.cause === 'lease_lost') {
      await this.discard(completion); // never sent: nobody will commit it
      return 'lease_lost';
    }
    if (completion) {
      // Finished work is reported even if a cancellation arrived meanwhile: the server then ends it completed.
      if (!isPlainObject(completion.result)) {
        await this.discard(completion);
        return this.fail({
          message: `the ${this.opts.job.type} handler returned ${describe(completion.result)} instead of a JSON object`,
          value: {}, retryable: false,
        });
      }
      return this.complete(completion);
    }
    if (settled.cause === 'cancel_requested') return this.acknowledgeCancellation();
    if (settled.cause === 'drain_timeout') {
      return this.fail({
        message: 'the operator shut down before the job finished (drain grace period ended)',
        value: { executor: this.lease.executor }, retryable: true,
      });
    }
    const failure = classifyFailure(settled.kind === 'error' ? settled.error : undefined);
    this.log.warn({ error: failure.message, retryable: failure.retryable }, 'job handler failed');
    return this.fail(failure);
  }

  private async complete(completion: JobCompletion): Promise<JobOutcome> {
    const { snapshot, columnStats, inputs } = completion.extras;
    let unanswered = false; // a request that got no answer may have been applied all the same
    const call = () => this.opts.api.completeJob(this.opts.job.job_id, {
      ...this.lease, result: completion.result, ...(snapshot ? { snapshot } : {}),
      ...(columnStats ? { column_stats: columnStats } : {}), ...(inputs ? { inputs } : {}),
    }).catch((err: unknown) => {
      if (isTransient(err)) unanswered = true;
      throw err;
    });
    try {
      const outcome = await this.send('complete', 'completed', call);
      if (outcome === 'completed') return outcome;
      // Refused. If an earlier try may have gone through, ask before deleting anything: it may be our own commit.
      if (unanswered && await this.completedByUs()) return 'completed';
      if (!unanswered) await this.discard(completion);
      return outcome;
    } catch (err) {
      // The result itself was refused (too large, malformed): retrying the same result cannot help.
      if (isApiError(err) && (err.status === 400 || err.status === 413)) {
        if (!unanswered) await this.discard(completion);
        return this.fail({ message: `the API rejected the job's result: ${err.problem.detail}`, value: {}, retryable: false });
      }
      throw err;
    }
  }

  /** Whether the job is completed under our lease (our completion was applied though its answer was lost). */
  private async completedByUs(): Promise<boolean> {
    try {
      const job = await this.opts.api.getJob(this.opts.job.job_id, { timeoutMs: 10_000 });
      const ours = job.state === 'completed' && job.executor === this.lease.executor && job.attempt === this.lease.attempt;
      if (ours) this.log.info('the completion was applied before its answer was lost');
      return ours;
    } catch {
      return false;
    }
  }

  private async discard(completion: JobCompletion | undefined): Promise<void> {
    if (!completion?.extras.discard) return;
    try {
      await completion.extras.discard();
    } catch (err) {
      this.log.warn({ err }, 'could not discard the files of a refused completion; the orphan sweep will');
    }
  }

  private fail(failure: ClassifiedFailure): Promise<JobOutcome> {
    return this.send('fail', 'failed', () => this.opts.api.failJob(this.opts.job.job_id, {
      ...this.lease, failure: { message: failure.message, value: failure.value }, retryable: failure.retryable,
    }));
  }

  private acknowledgeCancellation(): Promise<JobOutcome> {
    return this.send('cancel', 'cancelled', () =>
      this.opts.api.acknowledgeCancellation(this.opts.job.job_id, this.lease));
  }

  /** One report, retried while the API is unreachable; a refused lease ends the job for us without a retry. */
  private async send(what: string, outcome: JobOutcome, call: () => Promise<unknown>): Promise<JobOutcome> {
    try {
      await withApiRetry(call, {
        what: `job ${what}`, outage: this.opts.outage, backoff: this.opts.backoff, giveUp: this.opts.giveUp,
      });
      return outcome;
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) {
        this.leaseLost = true;
        this.log.info({ status: err.status, code: err.code }, `${what} refused: the lease is no longer ours; job dropped`);
        return 'lease_lost';
      }
      throw err;
    }
  }

  // ---- heartbeats ---------------------------------------------------------------------------------------------------

  private scheduleHeartbeat(): void {
    if (!this.heartbeating) return;
    this.heartbeatTimer = setTimeout(() => void this.heartbeat(), this.opts.heartbeatMs);
  }

  private async heartbeat(): Promise<void> {
    const progress = this.progressToSend;
    this.progressToSend = undefined;
    try {
      const reply = await this.opts.api.heartbeatJob(
        this.opts.job.job_id, progress === undefined ? { ...this.lease } : { ...this.lease, progress },
        { timeoutMs: Math.max(5_000, 2 * this.opts.heartbeatMs) },
      );
      this.opts.outage.recovered();
      if (reply.cancel_requested) this.abort('cancel_requested', 'heartbeat');
    } catch (err) {
      if (!this.heartbeating) return; // the job was reported meanwhile: this beat no longer matters
      this.progressToSend ??= progress; // try again with the next beat
      if (isConflict(err) || isNotFound(err)) {
        this.leaseLost = true;
        this.log.warn({ status: err.status, code: err.code }, 'heartbeat refused: the lease is no longer ours');
        this.abort('lease_lost', 'heartbeat');
        return; // no more heartbeats, and no report: someone else owns the job now
      }
      if (isTransient(err)) this.opts.outage.failed(err, 'job heartbeat');
      else this.log.error({ err }, 'heartbeat rejected');
    }
    this.scheduleHeartbeat();
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? `a ${(value as object).constructor?.name ?? 'non-plain'} object` : `a ${typeof value}`;
}
