import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { validationFailed } from '../../core/errors.js';
import { JOB_STATES, type JobState } from '../../core/job-states.js';
import { eventsHead, eventsList, type FeedFilter } from '../../store/events.js';
import { identityOf, jobScopeOf } from '../plugins/auth.js';
import { problemResponses, Text } from '../schemas/common.js';
import { EventPage, EventsHeaders, EventsQuery } from '../schemas/events.js';
import { streamFeed } from './events-stream.js';

const JOB_READ = { auth: { resource: 'jobs', access: 'read' } } as const;
const JOB_TYPE = /^[a-z][a-z0-9_-]*$/;
/** Readers re-read at least this often without a wake-up: the safety net of a lost notification. */
const STREAM_POLL_MS = 1_000;

type EventsQueryValue = { job_id?: string; type?: string; state?: string; data_plane_id?: string };

/** The filters of a feed request; a malformed list item is a 400 naming the parameter. */
function filterOf(q: EventsQueryValue): FeedFilter {
  const list = (text: string | undefined) => text?.split(',').map((s) => s.trim()).filter(Boolean);
  const types = list(q.type);
  const bad = types?.find((t) => !JOB_TYPE.test(t));
  if (bad !== undefined) {
    throw validationFailed(`"${bad}" is not a job type`, [{ in: 'query', pointer: '/type', message: 'must be job types separated by commas, e.g. materialize-view,nql-forecast' }]);
  }
  const states = list(q.state);
  const unknown = states?.find((s) => !(JOB_STATES as readonly string[]).includes(s));
  if (unknown !== undefined) {
    throw validationFailed(`"${unknown}" is not a job state`, [{ in: 'query', pointer: '/state', message: `must be states separated by commas, from ${JOB_STATES.join(', ')}` }]);
  }
  return { jobId: q.job_id, types, states: states as JobState[] | undefined, dataPlaneId: q.data_plane_id };
}

/** JSON when asked for by ?format=json or an Accept header that prefers JSON over an event stream. */
function wantsJson(request: FastifyRequest, format: 'json' | 'sse' | undefined): boolean {
  if (format) return format === 'json';
  const accept = request.headers.accept ?? '';
  return /application\/json/i.test(accept) && !/text\/event-stream/i.test(accept);
}

export default async function eventRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/events', {
    config: JOB_READ,
    schema: {
      tags: ['events'],
      summary: 'Follow the job event feed',
      description:
        'Every state transition of the caller\'s jobs (a user token: its company\'s; an operator token: its data ' +
        'plane\'s), in commit order, each with a cursor. As Server-Sent Events (default): `id: <cursor>`, ' +
        '`event: job.<state>`, `data: <event>`, heartbeats as comments; reconnect with Last-Event-ID to resume exactly ' +
        'after the last event received, on any API server. With `Accept: application/json` or `?format=json`: one ' +
        'page `{records, next_cursor}`. Events are kept as long as their jobs (JOBPLANE_JOB_RETENTION_DAYS). ' +
        'Requires read access to jobs.',
      querystring: EventsQuery,
      headers: EventsHeaders,
      response: {
        200: {
          description: 'A page of events (application/json) or an event stream (text/event-stream).',
          content: {
            'application/json': { schema: EventPage },
            'text/event-stream': { schema: Text({ description: 'SSE frames: id, event, data (one FeedEvent as JSON).' }) },
          },
        },
        ...problemResponses(400, 401, 403),
      },
    },
  }, async (request, reply) => {
    const q = request.query;
    const filter = filterOf(q);
    const scope = jobScopeOf(identityOf(request));
    const lastEventId = request.headers['last-event-id'];
    const given = typeof lastEventId === 'string' ? Number(lastEventId) : q.after !== undefined ? Number(q.after) : undefined;
    if (wantsJson(request, q.format)) {
      const after = given ?? 0;
      const records = await eventsList(app.db, scope, filter, after, q.limit ?? 100);
      return reply.type('application/json').send({ records, next_cursor: records.at(-1)?.id ?? String(after) });
    }
    const after = given ?? await eventsHead(app.db);
    await streamFeed(app, reply, {
      scope, filter, after, heartbeatMs: app.apiConfig.sseHeartbeatMs, pollMs: STREAM_POLL_MS,
    });
    return reply;
  });
}
