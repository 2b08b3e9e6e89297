import { LEASED_STATES, TRANSITIONS, type JobAction, type JobState } from '../core/job-states.js';
import { EFFECTS, NOW, type EffectArgs } from './job-effects.js';
import { stateArray, stateLiteral } from './state-sql.js';

export type TransitionAction = Exclude<JobAction, 'create'>;

/**
 * One transition statement, for one job, a batch of requests or a set of candidate rows. Whatever the path (an
 * API call, a batch, the claim, maintenance), the statement is built here:
 * - the allowed from-states and the target state come from the table in src/core/job-states.ts, never retyped;
 * - the other columns come from EFFECTS (src/store/job-effects.ts);
 * - the state the job left is recorded in `previous_state` by the same UPDATE (SET expressions see the old row),
 *   and the job_events row is written from it by `eventInsertSql`, the one INSERT into job_events;
 * - a compute pool job's slot is taken when it starts an attempt and freed when it leaves running /
 *   pending_cancellation, in the same statement (compute_pool_slots).
 * - the from-states and the event's action are literals of the statement's text, not parameters: they are fixed for
 *   its shape, and a `$n` there would make the generic plan guess the state's selectivity while each custom plan
 *   reads it from the statistics. Right after a backlog is analyzed (every job pending, none running) the custom
 *   plan of a completion then always costs less, and PostgreSQL planned the statement again at every execution
 *   (pg_prepared_statements: 0 generic of 151, bench/results/queue.md).
 * In READ COMMITTED an UPDATE that waited for a concurrent writer re-checks its WHERE on the row's latest version,
 * so the condition always judges the committed state: no read-modify-write in JavaScript.
 */
export interface TransitionSpec {
  /** What the statement does. Several actions may share one statement when their from-states are disjoint (a row
   * is in one state, so each row takes exactly one of them): fail + fail_cancelled, release + expire_cancellation. */
  actions: readonly TransitionAction[];
  args: EffectArgs;
  /** CTEs the UPDATE reads (request rows, candidates), without the WITH keyword. */
  with?: readonly string[];
  /** Extra FROM items of the UPDATE (`req`, `cur`). */
  from?: string;
  /** Conditions on `j` (and the FROM items): job id, scope, fence, joins. The from-state guard is added here. */
  where: readonly string[];
  /** SQL for the event's actor (jsonb), over the updated rows (`upd`). A function, called only when an event is
   * written, so that a heartbeat (no event) binds no unused parameter. */
  actor: () => string;
  /** The event's executor column; default the job's executor after the transition. */
  eventExecutor?: string;
  /** Extra columns the UPDATE returns (e.g. `req.n AS req_n`), for `select` and `actor`. */
  returning?: readonly string[];
  /** The final select list over `upd`; default every job column. */
  select: string;
  /** Appended after `FROM upd` (ORDER BY, a LEFT JOIN for a status row). */
  tail?: string;
}

const lit = stateLiteral;
const list = stateArray;

/** `CASE WHEN j.state = ANY(from_1) THEN v_1 ... ELSE otherwise END`, or v_1 for a single action. */
function perAction(actions: readonly TransitionAction[], value: (a: TransitionAction) => string | undefined, otherwise: string): string {
  const branches = actions.map((a) => [a, value(a)] as const).filter(([, v]) => v !== undefined);
  if (actions.length === 1) return branches[0]?.[1] ?? otherwise;
  const whens = branches.map(([a, v]) => `WHEN j.state = ANY(${list(TRANSITIONS[a].from)}) THEN ${v}`);
  return `CASE ${whens.join(' ')} ELSE ${otherwise} END`;
}

/**
 * The job as the event keeps it (job_events.job), over the written jobs row `j`: returned by the statement that
 * writes the row, so that the event is written from it without reading jobs again (a per-row trigger did that and
 * cost 7% of PostgreSQL's CPU on the executor path). It leaves out what never changes after create (the reader lays
 * the snapshot over the current row, which has them; `input` alone can be megabytes) and the heartbeat `progress`
 * (not part of a job's shape): about 350 bytes an event instead of 700. A column added later is in the snapshot
 * unless it is added to this list.
 */
export const EVENT_JOB_SNAPSHOT = `to_jsonb(j) - '{input,progress,job_id,company_id,data_plane_id,compute_pool_id,execution_cluster,request_source,type,dataset_id,idempotency_key,created_at}'::text[] AS event_job`;

/**
 * The INSERT INTO job_events of every state change, from rows (`row`, in `source`) that carry the job's columns,
 * previous_state and `event_job` (EVENT_JOB_SNAPSHOT in the writing statement's RETURNING).
 */
export function eventInsertSql(source: string, row: string, action: string, actor: string, executor = `${row}.executor`): string {
  return `INSERT INTO job_events (job_id, company_id, job, action, from_state, to_state, attempt, executor, actor)
       SELECT ${row}.job_id, ${row}.company_id, ${row}.event_job, ${action}, ${row}.previous_state, ${row}.state,
              ${row}.attempt, ${executor}, ${actor} FROM ${source}`;
}

export function transitionSql(spec: TransitionSpec): string {
  const { actions } = spec;
  if (actions.length === 0) throw new Error('a transition statement needs an action');
  const seen = new Set<JobState>();
  for (const a of actions) {
    for (const s of TRANSITIONS[a].from) {
      if (seen.has(s)) throw new Error(`actions ${actions.join(', ')} share the from-state ${s}`);
      seen.add(s);
    }
  }
  const from = [...seen];
  const effects = new Map(actions.map((a) => [a, EFFECTS[a](spec.args)] as const));
  const columns = [...new Set(actions.flatMap((a) => Object.keys(effects.get(a)!)))];
  const set = [
    `state = ${perAction(actions, (a) => (TRANSITIONS[a].to === null ? undefined : lit(TRANSITIONS[a].to!)), 'j.state')}`,
    ...columns.map((c) => `${c} = ${perAction(actions, (a) => effects.get(a)![c], `j.${c}`)}`),
    'previous_state = j.state',
    `updated_at = ${NOW}`,
  ];
  const changesState = actions.filter((a) => TRANSITIONS[a].to !== null);
  const returning = [...(spec.returning ?? []), ...(changesState.length > 0 ? [EVENT_JOB_SNAPSHOT] : [])];
  const ctes = [...(spec.with ?? [])];
  ctes.push(`upd AS (
       UPDATE jobs j SET ${set.join(', ')}
         ${spec.from ? `FROM ${spec.from}` : ''}
        WHERE j.state = ANY(${list(from)}) AND ${spec.where.join(' AND ')}
       RETURNING j.*${returning.map((r) => `, ${r}`).join('')}
     )`);
  if (changesState.length > 0) {
    const eventAction = changesState.length === 1
      ? `'${changesState[0]}'`
      : `CASE ${changesState.map((a) => `WHEN previous_state = ANY(${list(TRANSITIONS[a].from)}) THEN '${a}'`).join(' ')} END`;
    ctes.push(`ev AS (${eventInsertSql('upd', 'upd', eventAction, spec.actor(), spec.eventExecutor)})`);
  }
  const leased = list(LEASED_STATES);
  if (actions.some((a) => leavesLease(a))) {
    ctes.push(`slot_free AS (
       UPDATE compute_pool_slots s SET job_id = NULL FROM upd
        WHERE s.job_id = upd.job_id AND upd.compute_pool_id IS NOT NULL AND upd.state <> ALL(${leased})
     )`);
  }
  if (actions.some((a) => startsLease(a))) {
    // Free slots are locked with SKIP LOCKED, so two statements never take one slot; a started pool job finds
    // none only when `run` (an explicit assignment, which does not wait) starts it over the pool's limit.
    ctes.push(`slot_take AS (
       UPDATE compute_pool_slots s SET job_id = pick.job_id
         FROM (SELECT w.job_id, f.pool_id, f.slot
                 FROM (SELECT job_id, compute_pool_id AS pool_id,
                              row_number() OVER (PARTITION BY compute_pool_id ORDER BY job_id) AS n
                         FROM upd WHERE compute_pool_id IS NOT NULL AND state = 'running'
                          AND previous_state <> ALL(${leased})) w
                 JOIN (SELECT pool_id, slot, row_number() OVER (PARTITION BY pool_id ORDER BY slot) AS n
                         FROM (SELECT pool_id, slot FROM compute_pool_slots
                                WHERE job_id IS NULL AND pool_id IN (SELECT compute_pool_id FROM upd)
                                ORDER BY pool_id, slot
                                LIMIT (SELECT count(*) FROM upd WHERE compute_pool_id IS NOT NULL)
                                FOR UPDATE SKIP LOCKED) free) f
                   ON f.pool_id = w.pool_id AND f.n = w.n) pick
        WHERE s.pool_id = pick.pool_id AND s.slot = pick.slot
     )`);
  }
  return `WITH ${ctes.join(', ')}
     SELECT ${spec.select} FROM upd ${spec.tail ?? ''}`;
}

function leavesLease(action: TransitionAction): boolean {
  const t = TRANSITIONS[action];
  return t.to !== null && !LEASED_STATES.includes(t.to) && t.from.some((s) => LEASED_STATES.includes(s));
}

/** Starts an attempt: an executor takes the job (run, claim). A pending job asked to cancel takes no slot. */
function startsLease(action: TransitionAction): boolean {
  const t = TRANSITIONS[action];
  return t.to === 'running' && t.from.some((s) => !LEASED_STATES.includes(s));
}
