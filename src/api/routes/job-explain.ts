import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { notFound } from '../../core/errors.js';
import { EXECUTOR_VERDICTS, EXPLAIN_CODES, jobExplain } from '../../store/job-explain.js';
import { identityOf, jobScopeOf } from '../plugins/auth.js';
import { JsonObject, Nullable, problemResponses, StringEnum, Text, Timestamp, Uuid } from '../schemas/common.js';
import { JobIdParams, JobStateSchema } from '../schemas/jobs.js';

const JobExplanation = Type.Object(
  {
    job_id: Uuid(),
    state: JobStateSchema,
    runnable: Type.Boolean({ description: 'An executor may claim it now; it only waits for the next claim.' }),
    reasons: Type.Array(Type.Object(
      {
        code: StringEnum(EXPLAIN_CODES),
        message: Text({ description: 'For people: what holds the job, and what would release it.' }),
        details: Type.Optional(JsonObject()),
      },
      { additionalProperties: false },
    )),
    executors: Type.Array(Type.Object(
      {
        id: Text(),
        name: Nullable(Text()),
        status: StringEnum(['active', 'draining']),
        types: Type.Array(Text()),
        compute_pool_id: Nullable(Uuid()),
        slots: Type.Integer(),
        running_jobs: Type.Integer(),
        last_heartbeat_at: Timestamp('Last heartbeat.'),
        verdict: StringEnum(EXECUTOR_VERDICTS, { description: 'can_claim, or why this executor does not take the job now.' }),
      },
      { additionalProperties: false },
    ), { description: 'The executors of the job\'s plane (for a job waiting to be claimed).' }),
  },
  { additionalProperties: false },
);

/**
 * An executor counts as silent after three missed heartbeats at the interval this server tells executors to use,
 * and never before 10 s: with very short intervals (tests, demos) a busy but healthy executor would otherwise be
 * called silent for a single late beat.
 */
export const SILENCE_FLOOR_MS = 10_000;

/** `GET /jobs/{id}/explain`: why a job is (not) running, from the claim's own rules (src/store/job-explain.ts). */
export default async function jobExplainRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/jobs/:job_id/explain', {
    config: { auth: { resource: 'jobs', access: 'read' } },
    schema: {
      tags: ['jobs'], summary: 'Why is this job (not) running?',
      description: 'Codes: waiting_for_claim (runnable), no_executor_for_plane, no_executor_for_type, no_executor_for_pool, ' +
        'pool_at_limit, dedicated_waiting_for_idle_executor, retry_not_due, executors_draining, executors_silent, ' +
        'executors_busy, running, cancellation_requested, terminal. Each executor of the plane has a verdict.',
      params: JobIdParams, response: { 200: JobExplanation, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const explanation = await jobExplain(app.db, request.params.job_id, jobScopeOf(identityOf(request)), {
      silentMs: Math.max(3 * app.apiConfig.heartbeatMs, SILENCE_FLOOR_MS),
    });
    if (!explanation) throw notFound(`job ${request.params.job_id}`);
    return explanation;
  });
}
