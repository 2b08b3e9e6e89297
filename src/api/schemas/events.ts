import { Type } from 'typebox';
import { JOB_STATES } from '../../core/job-states.js';
import { StringEnum, Text, Timestamp, Uuid } from './common.js';

/** A feed position: decimal digits, compared as numbers (the SSE `id` of each event). */
export const Cursor = (description: string) => Text({ pattern: '^[0-9]{1,15}$', description });

export const FeedEvent = Type.Object(
  {
    id: Cursor('The event\'s feed position; pass it as Last-Event-ID or ?after= to resume after this event.'),
    type: Text({ description: `job.<state>: ${JOB_STATES.map((s) => `job.${s}`).join(', ')}` }),
    created_at: Timestamp('When the transition happened.'),
    data: Type.Ref('Job', { description: 'The job as it was right after this transition, as GET /jobs/{job_id} shows a job.' }),
  },
  { $id: 'FeedEvent', additionalProperties: false },
);

export const EventPage = Type.Object(
  {
    records: Type.Array(Type.Ref('FeedEvent')),
    next_cursor: Cursor('Pass as ?after= for the next page: the last record\'s id, or the request\'s cursor when the page is empty.'),
  },
  { additionalProperties: false },
);

const LIST = '^[^,]+(,[^,]+)*$';

export const EventsQuery = Type.Object(
  {
    after: Type.Optional(Cursor('Only events after this position (0 = from the oldest kept). SSE without it (and without Last-Event-ID) starts with the events that come next; JSON pages start at the oldest.')),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'JSON pages: events per page.' })),
    job_id: Type.Optional(Uuid('Only this job\'s events.')),
    type: Type.Optional(Text({ maxLength: 2000, pattern: LIST, description: 'Only jobs of these types (comma-separated).' })),
    state: Type.Optional(Text({ maxLength: 2000, pattern: LIST, description: `Only events that moved a job to these states (comma-separated): ${JOB_STATES.join(', ')}.` })),
    data_plane_id: Type.Optional(Uuid('Only jobs of this data plane.')),
    format: Type.Optional(StringEnum(['json', 'sse'] as const, { description: 'json: one page; sse: a stream. Default: by the Accept header (application/json gives a page), else sse.' })),
  },
  { additionalProperties: false },
);

export const EventsHeaders = Type.Object(
  { 'last-event-id': Type.Optional(Cursor('Resume after this event (what an EventSource sends when it reconnects); wins over ?after=.')) },
  { additionalProperties: true },
);
