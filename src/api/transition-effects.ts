import { EventEmitter } from 'node:events';
import { DomainError, notFound, staleLease, transitionNotAllowed } from '../core/errors.js';
import type { Job } from '../core/job.js';
import type { JobAction, JobState } from '../core/job-states.js';
import type { JobSignals } from '../store/job-signals.js';
import type { Fence, TransitionResult } from '../store/job-transitions.js';
import type { Metrics } from './metrics.js';

/** Transitions after which a job may be claimable, or capacity was freed: claimers waiting on the plane wake up. */
const WAKES_CLAIMERS: ReadonlySet<string> = new Set<JobAction>([
  'create', 'reschedule', 'reschedule_forced', 'complete', 'fail', 'fail_cancelled', 'cancel', 'release',
  'expire_lease', 'expire_cancellation',
]);

/** What happened to one job, as every write path reports it. */
export interface AppliedTransition {
  /** Known for one-job transitions: local waiters on that job (the rows endpoint) wake at once. */
  jobId?: string;
  action: string;
  type: string;
  dataPlaneId: string;
  executor: string | null;
  from: JobState | null;
  to: JobState;
}

/**
 * What follows a committed transition, whoever made it (a route, a batch, the claim, maintenance): it is counted
 * in the metrics, and, where it makes work claimable or frees capacity, claimers waiting on the plane wake up; a
 * cancellation request wakes the watch of the executor running the job. Notifications only shorten waits (every
 * waiter also polls), so they are sent after the commit and their failure is not the caller's.
 */
export class TransitionEffects {
  /** In-process only: a job's change wakes waiters on this server; waiters elsewhere poll. */
  private readonly jobs = new EventEmitter();

  constructor(private readonly metrics: Metrics, private readonly signals: JobSignals) {
    this.jobs.setMaxListeners(0);
  }

  /** Resolves when `jobId` changed through this server, after `ms` at the latest, or on abort. */
  waitForJob(jobId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.jobs.off(jobId, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.jobs.once(jobId, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async applied(transitions: readonly AppliedTransition[]): Promise<void> {
    const planes = new Set<string>();
    const cancelled = new Set<string>();
    for (const t of transitions) {
      // A heartbeat extends a lease without changing state: not a transition.
      if (t.action !== 'heartbeat') this.metrics.recordTransition(t.type, t.from, t.to, t.action);
      if (WAKES_CLAIMERS.has(t.action)) planes.add(t.dataPlaneId);
      if (t.action === 'request_cancellation' && t.executor) cancelled.add(t.executor);
      if (t.jobId) this.jobs.emit(t.jobId);
    }
    // Not awaited: the transition is committed and answered; a lost wake-up only delays a waiter to its next poll.
    for (const plane of planes) this.signals.notify(plane).catch(() => {});
    for (const executor of cancelled) this.signals.notifyCancelRequested(executor).catch(() => {});
  }

  /** The HTTP meaning of one job's transition outcome: the job (applied or no-op), or the right problem. */
  async outcome(result: TransitionResult, action: string, jobId: string, fence?: Fence): Promise<Job> {
    switch (result.outcome) {
      case 'applied':
        await this.applied([{
          jobId: result.job.job_id, action, type: result.job.type, dataPlaneId: result.job.data_plane_id, executor: result.job.executor,
          from: result.from, to: result.job.state,
        }]);
        return result.job;
      case 'noop':
        return result.job;
      case 'not_found':
        throw notFound(`job ${jobId}`);
      case 'stale':
        if (fence) throw staleLease(jobId, fence.executor, fence.attempt);
        throw transitionNotAllowed(action, jobId, result.job.state);
      case 'conflict':
        throw transitionNotAllowed(action, jobId, result.job.state);
      case 'foreign_executor':
        // The name is another plane's registered executor: as for any id the caller may not reach, 404.
        throw notFound(`executor of job ${jobId}'s data plane with the name given`);
      default:
        throw new DomainError('internal', 'unknown transition outcome');
    }
  }
}
