/**
 * The job state machine, as data. Every write path (HTTP handlers, the claim loop, maintenance) takes its allowed
 * "from" states from this table; the SQL in `src/store/jobs*.ts` receives them as parameters instead of retyping
 * them, so the table below is the single source of truth. `docs/state-machine.md` is generated from it.
 */

export const JOB_STATES = [
  /** Created and waiting for an executor. Entered on create and reschedule; left by run/claim or cancellation. */
  'pending',
  /** An executor holds a lease (`executor` + `attempt`). Left by complete, fail, cancellation or lease expiry. */
  'running',
  /** Finished successfully. Terminal; only a forced reschedule re-queues it. */
  'completed',
  /**
   * The last attempt failed. Terminal for cancel/reschedule, but retryable: `run` applies to it, and the claim loop
   * takes it again while attempts are left and `retry_at` has passed.
   */
  'failed',
  /** Cancellation was requested; the executor (if any) is asked to stop. Left by cancel, or by the executor. */
  'pending_cancellation',
  /** Cancelled. Terminal. */
  'cancelled',
] as const;

export type JobState = (typeof JOB_STATES)[number];

/** States in which a job has finished (for cancel/reschedule: `failed` included, per the Narrative docs). */
export const TERMINAL_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled'];
/** States that `run` treats as finished for good ("non-retryable terminal"). */
export const NON_RETRYABLE_TERMINAL_STATES: readonly JobState[] = ['completed', 'cancelled'];
/** States in which an executor holds a lease. */
export const LEASED_STATES: readonly JobState[] = ['running', 'pending_cancellation'];

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

/**
 * What an action does to a job in a given state:
 * - `to`: the state it moves to when the job is in one of `from`;
 * - `noop`: states in which the action succeeds without changing anything (the job is returned as it is);
 * - any other state is a conflict (409).
 * `fenced` actions also require the caller's `executor` and `attempt` to match the job's current lease.
 */
export interface Transition {
  readonly action: JobAction;
  readonly from: readonly JobState[];
  /** The state it moves to; null = the state is kept (a heartbeat only extends the lease, and writes no event). */
  readonly to: JobState | null;
  readonly noop: readonly JobState[];
  readonly fenced: boolean;
  readonly actor: 'user' | 'executor' | 'maintenance' | 'user-or-executor';
  readonly summary: string;
}

export type JobAction =
  | 'create'
  | 'run'
  | 'claim'
  | 'heartbeat'
  | 'complete'
  | 'fail'
  | 'fail_cancelled'
  | 'request_cancellation'
  | 'cancel'
  | 'reschedule'
  | 'reschedule_forced'
  | 'release'
  | 'reuse'
  | 'expire_lease'
  | 'expire_cancellation';

const ALL: readonly JobState[] = JOB_STATES;
const except = (...states: JobState[]): JobState[] => ALL.filter((s) => !states.includes(s));

export const TRANSITIONS: Readonly<Record<JobAction, Transition>> = {
  create: {
    action: 'create', from: [], to: 'pending', noop: [], fenced: false, actor: 'user',
    summary: 'A new job starts pending (a repeated idempotency_key returns the first job instead).',
  },
  run: {
    action: 'run', from: ['pending', 'failed'], to: 'running',
    noop: ['running', 'completed', 'cancelled', 'pending_cancellation'], fenced: false, actor: 'user',
    summary: 'Assign an executor; attempt + 1, dequeued_at and a lease are set. Idempotent.',
  },
  claim: {
    action: 'claim', from: ['pending', 'failed'], to: 'running', noop: [], fenced: false, actor: 'executor',
    summary: 'Like run, for many jobs at once (FOR UPDATE SKIP LOCKED); failed only with attempts left and retry_at passed.',
  },
  heartbeat: {
    action: 'heartbeat', from: ['running', 'pending_cancellation'], to: null, noop: [], fenced: true,
    actor: 'executor',
    summary: 'Extend the lease (state unchanged); the reply says whether cancellation was requested.',
  },
  complete: {
    action: 'complete', from: ['running', 'pending_cancellation'], to: 'completed', noop: [], fenced: true,
    actor: 'executor', summary: 'Store the result; ended_at is set.',
  },
  fail: {
    action: 'fail', from: ['running'], to: 'failed', noop: [], fenced: true, actor: 'executor',
    summary: 'Append a failure; retry_at is set when retryable and attempts are left.',
  },
  fail_cancelled: {
    action: 'fail_cancelled', from: ['pending_cancellation'], to: 'cancelled', noop: [], fenced: true,
    actor: 'executor', summary: 'An executor that stops a job whose cancellation was requested ends it cancelled.',
  },
  request_cancellation: {
    action: 'request_cancellation', from: ['pending', 'running'], to: 'pending_cancellation',
    noop: ['completed', 'failed', 'cancelled', 'pending_cancellation'], fenced: false, actor: 'user',
    summary: 'Ask the executor to stop.',
  },
  cancel: {
    action: 'cancel', from: ['pending_cancellation'], to: 'cancelled', noop: ['completed', 'failed', 'cancelled'],
    fenced: false, actor: 'user-or-executor', summary: 'Finalize a requested cancellation; pending/running: 409.',
  },
  reschedule: {
    action: 'reschedule', from: except('completed', 'failed', 'cancelled'), to: 'pending',
    noop: ['completed', 'failed', 'cancelled'], fenced: false, actor: 'user',
    summary: 'Back on the queue, executor and lease cleared (terminal: skipped_terminal).',
  },
  reschedule_forced: {
    action: 'reschedule_forced', from: ALL, to: 'pending', noop: [], fenced: false, actor: 'user',
    summary: 'reschedule {force: true}: also re-queues a terminal job.',
  },
  reuse: {
    action: 'reuse', from: ['pending'], to: 'completed', noop: [], fenced: false, actor: 'user',
    summary: 'A view refresh whose inputs are the snapshots its current snapshot was computed from completes at once, reusing it (result.reused); no engine runs.',
  },
  release: {
    action: 'release', from: ['running'], to: 'pending', noop: [], fenced: false, actor: 'executor',
    summary: 'A deregistered executor gives its running jobs back at once (attempt kept).',
  },
  expire_lease: {
    action: 'expire_lease', from: ['running'], to: 'failed', noop: [], fenced: false, actor: 'maintenance',
    summary: 'The lease ran out: a failure "lease expired" is appended; retried like any failure.',
  },
  expire_cancellation: {
    action: 'expire_cancellation', from: ['pending_cancellation'], to: 'cancelled', noop: [], fenced: false,
    actor: 'maintenance', summary: 'The lease ran out, or no executor owns the job: cancellation is finalized.',
  },
};

export type TransitionOutcome = 'apply' | 'noop' | 'conflict';

/** The state `action` leaves a job in that was in `from` (a heartbeat keeps it). */
export function targetState(action: JobAction, from: JobState): JobState {
  return TRANSITIONS[action].to ?? from;
}

/**
 * Whether `(action, from, to)` is a move the table allows: what every job_events row must be (the test harness
 * checks each row written in the whole suite against it). `create` has no from-state.
 */
export function isAllowedMove(action: string, from: JobState | null, to: JobState): boolean {
  const t = (TRANSITIONS as Record<string, Transition | undefined>)[action];
  if (!t) return false;
  if (action === 'create') return from === null && to === t.to;
  return from !== null && t.from.includes(from) && to === targetState(t.action, from);
}

/** Pure decision: what `action` does to a job currently in `state`. */
export function decide(action: JobAction, state: JobState): TransitionOutcome {
  const t = TRANSITIONS[action];
  if (t.from.includes(state)) return 'apply';
  if (t.noop.includes(state)) return 'noop';
  return 'conflict';
}
