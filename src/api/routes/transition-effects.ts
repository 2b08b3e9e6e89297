import type { FastifyInstance } from 'fastify';
import { DomainError, notFound, staleLease, transitionNotAllowed } from '../../core/errors.js';
import type { Job } from '../../core/job.js';
import type { Fence, TransitionResult } from '../../store/job-transitions.js';

/** Transitions after which a job may be claimable, or capacity was freed: claimers waiting on the plane wake up. */
const WAKES_CLAIMERS = new Set(['create', 'reschedule', 'reschedule_forced', 'complete', 'fail', 'cancel', 'release']);

/**
 * The HTTP meaning of a transition's outcome: the job (applied or no-op), or the right problem. Applied
 * transitions are counted in the metrics and, where they make work claimable, wake waiting claimers.
 */
export async function jobAfterTransition(
  app: FastifyInstance, result: TransitionResult, action: string, jobId: string, fence?: Fence,
): Promise<Job> {
  switch (result.outcome) {
    case 'applied':
      // A heartbeat extends a lease without changing state: not a transition.
      if (action !== 'heartbeat') app.metrics.recordTransition(result.job.type, result.from, result.job.state, action);
      if (WAKES_CLAIMERS.has(action)) await app.signals.notify(result.job.data_plane_id);
      // The executor running it learns at once through its cancellation watch, not at its next heartbeat.
      if (action === 'request_cancellation' && result.job.executor) await app.signals.notifyCancelRequested(result.job.executor);
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
    default:
      throw new DomainError('internal', 'unknown transition outcome');
  }
}
