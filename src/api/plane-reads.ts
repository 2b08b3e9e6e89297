import type { FastifyInstance } from 'fastify';
import { DomainError } from '../core/errors.js';
import type { Job } from '../core/job.js';
import { isTerminal } from '../core/job-states.js';
import { executorServes } from '../store/executors.js';
import { jobCreate, jobGet } from '../store/jobs.js';
import { jobReschedule } from '../store/job-transitions.js';
import { actorOf, type Identity } from './plugins/auth.js';
import { longPoll } from './request-lifetime.js';

/** How long a rows request waits for the plane's operator before answering 503 (the job keeps its place). */
export const PLANE_READ_WAIT_MS = 30_000;
const POLL_MS = 250;

/**
 * Reading rows is the data plane's work: the control plane never opens plane storage. A read is a small job
 * (`datasets_sample`) that the plane's operator runs; the API creates it and waits for its result. Snapshots never
 * change, so the same page of the same snapshot is the same job (its idempotency key), answered at once the second
 * time; a read that failed or was cancelled is put back on the queue instead of answering the old failure.
 */
export async function readSnapshotRows(
  app: FastifyInstance, identity: Identity, target: { datasetId: number; dataPlaneId: string; snapshotId: number },
  page: { limit: number; offset: number }, stop: AbortSignal,
): Promise<Job> {
  // No operator to read them: say so at once instead of queueing a read nobody will run and waiting 30 s for it.
  if (!(await executorServes(app.db, target.dataPlaneId, 'datasets_sample'))) {
    throw new DomainError('service_unavailable', `no operator is running for data plane ${target.dataPlaneId}: rows are read by the plane's operator (start one with jobplane operator --data-plane ${target.dataPlaneId})`);
  }
  const { job, created } = await jobCreate(app.db, {
    companyId: identity.companyId, dataPlaneId: target.dataPlaneId, computePoolId: null, executionCluster: 'shared',
    requestSource: { type: 'api_user', company_id: identity.companyId, user_id: identity.userId ?? 0 },
    type: 'datasets_sample', priority: 10, maxAttempts: 3,
    input: { dataset_id: target.datasetId, snapshot_id: target.snapshotId, limit: page.limit, offset: page.offset },
    inputs: [{ dataset_id: target.datasetId, snapshot_id: target.snapshotId }],
    idempotencyKey: `datasets_sample:${target.datasetId}:${target.snapshotId}:${page.limit}:${page.offset}`,
  }, actorOf(identity));
  let current = job;
  if (created) {
    await app.effects.applied([{ jobId: job.job_id, action: 'create', type: job.type, dataPlaneId: job.data_plane_id, executor: null, from: null, to: job.state }]);
  } else if (job.state === 'cancelled' || (job.state === 'failed' && job.retry_at === null)) {
    current = await app.effects.outcome(await jobReschedule(app.db, job.job_id, { companyId: identity.companyId }, true, actorOf(identity)), 'reschedule_forced', job.job_id);
  }
  return waitForEnd(app, current, identity, stop);
}

/** The job once it ended (a retry is not an end), or a 503 naming the job when the plane did not answer in time. */
async function waitForEnd(app: FastifyInstance, job: Job, identity: Identity, stop: AbortSignal): Promise<Job> {
  const ended = (j: Job) => isTerminal(j.state) && !(j.state === 'failed' && j.retry_at !== null);
  let last = job;
  await longPoll({
    waitMs: ended(job) ? 0 : PLANE_READ_WAIT_MS, pollMs: POLL_MS, stop,
    look: async () => {
      last = (await jobGet(app.db, job.job_id, { companyId: identity.companyId })) ?? last;
      return ended(last) ? [last] : [];
    },
    wake: (ms, signal) => app.effects.waitForJob(job.job_id, ms, signal),
  });
  if (last.state === 'completed') return last;
  if (!ended(last)) {
    throw new DomainError('service_unavailable', `no operator of data plane ${last.data_plane_id} has read the rows yet (job ${last.job_id} is ${last.state}); ask again, or see GET /jobs/${last.job_id}/explain`, { job_id: last.job_id });
  }
  const why = last.failures.at(-1)?.message ?? last.state;
  throw new DomainError('service_unavailable', `the data plane could not read the rows (job ${last.job_id} ${last.state}: ${why})`, { job_id: last.job_id });
}
