import type { Failure, JobEvent, JobState } from '../../api/types';
import { StateBadge } from '../../components/StateBadge';
import { Time } from '../../components/Time';

export interface Attempt {
  attempt: number;
  executor: string | null;
  started: string;
  ended: string | null;
  outcome: JobState | null;
  endAction: string | null;
  failure: Failure | null;
}

const LEASED: JobState[] = ['running', 'pending_cancellation'];

/**
 * The attempts, read off the events: one starts when the job enters `running` (run, claim), and ends with the
 * first later event that leaves the leased states (complete, fail, lease expiry, release, cancel, reschedule).
 * Failures are appended one per failed attempt, so the n-th attempt that ended in `failed` has the n-th failure.
 */
export function attemptsOf(events: JobEvent[], failures: Failure[]): Attempt[] {
  const out: Attempt[] = [];
  let current: Attempt | null = null;
  let failed = 0;
  for (const e of events) {
    if (e.to_state === 'running' && e.from_state !== 'running') {
      current = { attempt: e.attempt, executor: e.executor, started: e.at, ended: null, outcome: null, endAction: null, failure: null };
      out.push(current);
      continue;
    }
    if (current && !LEASED.includes(e.to_state)) {
      current.ended = e.at;
      current.outcome = e.to_state;
      current.endAction = e.action.replace(/_/g, ' ');
      if (e.to_state === 'failed') current.failure = failures[failed++] ?? null;
      current = null;
    }
  }
  return out;
}

function actorOf(actor: JobEvent['actor']): string {
  switch (actor['type']) {
    case 'api_user': return `user ${String(actor['user_id'] ?? '?')}`;
    case 'executor': return String(actor['executor'] ?? 'executor');
    case 'maintenance': return 'maintenance';
    default: return String(actor['type'] ?? 'unknown');
  }
}

/** Every transition, oldest first: when, what, from which state to which, and who did it. */
export function Timeline({ events }: { events: JobEvent[] }) {
  if (events.length === 0) return <p className="muted">No events.</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {events.map((e) => (
        <li key={e.id} data-action={e.action}>
          <Time iso={e.at} relative={false} />
          <span className="event-action">{e.action.replace(/_/g, ' ')}</span>
          <span className="event-move">
            {e.from_state ? <StateBadge state={e.from_state} /> : <span className="muted">new</span>}
            <span aria-label="to"> → </span>
            <StateBadge state={e.to_state} />
          </span>
          <span className="muted small">attempt {e.attempt}{e.executor ? ` · ${e.executor}` : ''} · by {actorOf(e.actor)}</span>
        </li>
      ))}
    </ol>
  );
}
