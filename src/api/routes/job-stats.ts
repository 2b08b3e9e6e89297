import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { JOB_STATES } from '../../core/job-states.js';
import { jobStats, jobThroughput } from '../../store/job-stats.js';
import { identityOf, jobScopeOf } from '../plugins/auth.js';
import { problemResponses, Timestamp, Uuid } from '../schemas/common.js';
import { JobTypeSchema } from '../schemas/jobs.js';

const StateCounts = Type.Object(
  Object.fromEntries(JOB_STATES.map((s) => [s, Type.Integer()])) as Record<(typeof JOB_STATES)[number], ReturnType<typeof Type.Integer>>,
  { additionalProperties: false },
);

const StatsFilters = {
  data_plane_id: Type.Optional(Uuid('Only jobs of this data plane.')),
  type: Type.Optional(JobTypeSchema),
};

const JobStats = Type.Object(
  {
    counts: StateCounts,
    by_type: Type.Object({}, { additionalProperties: StateCounts, description: 'Per job type, jobs per state.' }),
    total: Type.Integer(),
    retry_scheduled: Type.Integer({ description: 'Failed jobs that will be claimed again (part of counts.failed).' }),
  },
  { additionalProperties: false },
);

const Throughput = Type.Object(
  {
    minutes: Type.Integer(),
    from: Timestamp('Start of the first minute.'),
    to: Timestamp('End of the last (current) minute.'),
    buckets: Type.Array(Type.Object(
      {
        minute: Timestamp('Start of the minute.'),
        counts: StateCounts,
        queue_depth: Type.Integer({ description: 'Jobs in pending at the end of the minute.' }),
      },
      { additionalProperties: false },
    )),
  },
  { additionalProperties: false },
);

export default async function jobStatsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['jobs'];
  const config = { auth: { resource: 'jobs', access: 'read' } } as const;

  app.get('/jobs/stats', {
    config,
    schema: {
      tags, summary: 'Job counts by state and type',
      description: 'For the caller\'s company (an operator token: its plane), optionally one data plane or type.',
      querystring: Type.Object(StatsFilters, { additionalProperties: false }),
      response: { 200: JobStats, ...problemResponses(400, 401, 403) },
    },
  }, async (request) => jobStats(app.db, jobScopeOf(identityOf(request)), {
    dataPlaneId: request.query.data_plane_id, type: request.query.type,
  }));

  app.get('/jobs/stats/throughput', {
    config,
    schema: {
      tags, summary: 'Transitions per minute and queue depth',
      description: 'For each of the last `minutes` minutes (the current one included): how many transitions entered ' +
        'each state (from job_events; a create counts as pending), and the jobs in pending at the end of the minute.',
      querystring: Type.Object({
        minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, default: 60, description: 'How many minutes, at most a day.' })),
        ...StatsFilters,
      }, { additionalProperties: false }),
      response: { 200: Throughput, ...problemResponses(400, 401, 403) },
    },
  }, async (request) => jobThroughput(app.db, jobScopeOf(identityOf(request)), request.query.minutes ?? 60, {
    dataPlaneId: request.query.data_plane_id, type: request.query.type,
  }));
}
