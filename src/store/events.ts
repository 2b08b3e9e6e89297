import type { Job } from '../core/job.js';
import type { JobState } from '../core/job-states.js';
import type { Db, Queryable } from './db/types.js';
import { jobColumns, toJob, ts, type JobRow, type JobScope } from './job-columns.js';
import { deliveriesPromote, webhookFanOut } from './webhook-deliveries.js';

/**
 * The job event feed: `job_events` read by position (`seq`), in commit order, for GET /events and the webhook
 * outbox. Why a sequencer (docs/events.md has the whole argument):
 * - `job_events.id` is drawn from a sequence before the transaction commits, so a reader that hands out `id >
 *   cursor` can see id 12 while id 11 is still uncommitted, move its cursor to 12, and never see 11.
 * - So events get their feed position after they committed: the sequencer, one transaction at a time (the
 *   `event_sequencer` row is its lock), stamps every committed, unstamped event with the next positions, in id
 *   order. Each stamping transaction commits before the next one starts, so positions become visible in order, and
 *   a reader that saw position n has already seen every position below it: `seq > cursor` misses nothing.
 * - Per job the order is the order of its transitions: a transition locks the job's row before it inserts its
 *   event, so the next event of the same job draws its id after the previous one committed (higher id, same or
 *   later stamping pass). More generally, an event that committed before another was written comes first.
 */

export interface FeedEvent {
  /** The event's feed position, also its cursor (SSE `id`): decimal digits. */
  id: string;
  type: string;
  created_at: string;
  /** The job as it was when the event was written, as GET /jobs/{id} shows a job. */
  data: Job;
}

export interface FeedFilter {
  jobId?: string | undefined;
  /** Job types (any of). */
  types?: readonly string[] | undefined;
  /** States the events moved the job to (any of). */
  states?: readonly JobState[] | undefined;
  dataPlaneId?: string | undefined;
}

type EventRow = JobRow & { seq: number; to_state: JobState; event_at: string };

/**
 * The events visible to `scope` after position `after`, oldest first. A user token's scope is its company; an
 * operator token's scope is its data plane's jobs (what GET /jobs/{id} shows it). `data` is the event's snapshot
 * of the job laid over the current row (`jsonb_populate_record(j, e.job)`): snapshot fields win, and the few the
 * snapshot leaves out (what never changes after create, like the input) come from the row, so the shape is always
 * jobColumns'.
 */
export async function eventsList(db: Queryable, scope: JobScope, filter: FeedFilter, after: number, limit: number): Promise<FeedEvent[]> {
  const values: unknown[] = [after];
  const p = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const where = ['e.seq > $1'];
  if (scope.dataPlaneId !== undefined) where.push(`j.data_plane_id = ${p(scope.dataPlaneId)}::uuid`);
  else where.push(`e.company_id = ${p(scope.companyId)}`);
  if (filter.jobId !== undefined) where.push(`e.job_id = ${p(filter.jobId)}::uuid`);
  if (filter.types?.length) where.push(`j.type = ANY(${p(filter.types)}::text[])`);
  if (filter.states?.length) where.push(`e.to_state = ANY(${p(filter.states)}::text[])`);
  if (filter.dataPlaneId !== undefined) where.push(`j.data_plane_id = ${p(filter.dataPlaneId)}::uuid`);
  const rows = await db.query<EventRow>(
    `SELECT e.seq, e.to_state, ${ts('e.at')} AS event_at, ${jobColumns('s')}
       FROM job_events e
       JOIN jobs j ON j.job_id = e.job_id
       CROSS JOIN LATERAL jsonb_populate_record(j, coalesce(e.job, '{}'::jsonb)) s
      WHERE ${where.join(' AND ')}
      ORDER BY e.seq
      LIMIT ${p(limit)}`,
    values,
  );
  return rows.map(toFeedEvent);
}

/** The events at the given ids (webhook deliveries render their bodies from these), by id. */
export async function eventsByIds(db: Queryable, ids: readonly number[]): Promise<Map<number, FeedEvent>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<EventRow & { event_id: number }>(
    `SELECT e.id AS event_id, e.seq, e.to_state, ${ts('e.at')} AS event_at, ${jobColumns('s')}
       FROM job_events e
       JOIN jobs j ON j.job_id = e.job_id
       CROSS JOIN LATERAL jsonb_populate_record(j, coalesce(e.job, '{}'::jsonb)) s
      WHERE e.id = ANY($1::bigint[])`,
    [ids],
  );
  return new Map(rows.map(({ event_id, ...row }) => [event_id, toFeedEvent(row)]));
}

function toFeedEvent(row: EventRow): FeedEvent {
  const { seq, to_state, event_at, ...job } = row;
  return { id: String(seq), type: `job.${to_state}`, created_at: event_at, data: toJob(job) };
}

/** The last position handed out: a feed that starts "now" starts after it. */
export async function eventsHead(db: Queryable): Promise<number> {
  const rows = await db.query<{ last_seq: number }>('SELECT last_seq FROM event_sequencer WHERE id = 1');
  return rows[0]?.last_seq ?? 0;
}

/** Whether any committed event still waits for its position (cheap: a partial index holds only those). */
export async function eventsUnsequencedExist(db: Queryable): Promise<boolean> {
  const rows = await db.query<{ found: boolean }>('SELECT EXISTS (SELECT 1 FROM job_events WHERE seq IS NULL) AS found');
  return rows[0]?.found ?? false;
}

export async function eventsUnsequencedCount(db: Queryable): Promise<number> {
  const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM job_events WHERE seq IS NULL');
  return rows[0]?.n ?? 0;
}

export interface SequencePass {
  /** Events stamped by this pass (0 when there was nothing to do). */
  sequenced: number;
  /** The last position after the pass. */
  lastSeq: number;
  /** Webhook deliveries written for the stamped events. */
  deliveries: number;
}

/**
 * One sequencer pass: stamps up to `batch` committed events with the next feed positions, in id order, and writes
 * their webhook deliveries, in one transaction. Returns undefined when another server's pass holds the sequencer
 * (it will stamp what we would have); with `wait`, waits for that pass to commit instead. The unstamped events are read by a statement that starts after the lock is
 * held, so its snapshot includes everything the previous pass committed.
 */
export async function eventsSequence(db: Db, batch = 1000, opts: { wait?: boolean } = {}): Promise<SequencePass | undefined> {
  const pass = await db.transaction(async (tx) => {
    const [state] = await tx.query<{ last_seq: number }>(
      `SELECT last_seq FROM event_sequencer WHERE id = 1 FOR UPDATE${opts.wait ? '' : ' SKIP LOCKED'}`,
    );
    if (!state) return undefined;
    const [stamped] = await tx.query<{ n: number; last_seq: number }>(
      `WITH batch AS (
         SELECT id, row_number() OVER (ORDER BY id) AS n FROM job_events WHERE seq IS NULL ORDER BY id LIMIT $2
       ), upd AS (
         UPDATE job_events e SET seq = $1 + batch.n FROM batch WHERE e.id = batch.id AND e.seq IS NULL RETURNING e.seq
       ), moved AS (
         UPDATE event_sequencer SET last_seq = coalesce((SELECT max(seq) FROM upd), last_seq) WHERE id = 1
         RETURNING last_seq
       )
       SELECT (SELECT count(*)::int FROM upd) AS n, (SELECT last_seq FROM moved) AS last_seq`,
      [state.last_seq, batch],
    );
    const sequenced = stamped?.n ?? 0;
    const lastSeq = stamped?.last_seq ?? state.last_seq;
    const fanOut = sequenced > 0 ? await webhookFanOut(tx, state.last_seq, lastSeq) : { deliveries: 0, waitingChains: [] };
    return { sequenced, lastSeq, deliveries: fanOut.deliveries, waitingChains: fanOut.waitingChains };
  });
  if (!pass) return undefined;
  // After the commit: chains whose head ended while we wrote behind it (src/store/webhook-deliveries.ts).
  await deliveriesPromote(db, pass.waitingChains);
  return { sequenced: pass.sequenced, lastSeq: pass.lastSeq, deliveries: pass.deliveries };
}
