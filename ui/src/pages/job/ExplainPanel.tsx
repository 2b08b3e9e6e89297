import type { ApiError } from '../../api/client';
import type { Explanation, Job } from '../../api/types';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Time } from '../../components/Time';

const VERDICTS: Record<string, string> = {
  can_claim: 'can claim it now',
  wrong_type: 'does not run this type',
  wrong_pool: 'not in the job\'s compute pool',
  draining: 'draining',
  silent: 'silent (no recent heartbeat)',
  runs_dedicated_job: 'runs a dedicated job',
  not_idle: 'not idle (the job is dedicated)',
  slots_full: 'all slots in use',
};

/** "Why isn't it running?": the server's explanation (GET /jobs/{id}/explain), reasons first, executors after. */
export function ExplainPanel({ job, explanation, error }: { job: Job; explanation: Explanation | undefined; error: ApiError | undefined }) {
  const title = job.state === 'running' ? 'Where is it running?' : job.state === 'pending_cancellation' ? 'Cancellation' : 'Why isn\'t it running?';
  return (
    <section aria-labelledby="explain-h" className="explain" data-testid="explain">
      <h2 id="explain-h">{title}</h2>
      <ProblemAlert error={error} what="explain the job" />
      {!explanation && !error && <p role="status">Asking the server…</p>}
      {explanation && (
        <>
          {explanation.runnable && <p className="alert alert-ok">It can run: an executor will claim it at its next poll.</p>}
          <ul className="reasons">
            {explanation.reasons.map((r, i) => (
              <li key={`${r.code}-${i}`} data-code={r.code}>
                <code className="reason-code">{r.code}</code> {r.message}
              </li>
            ))}
          </ul>
          {explanation.executors.length > 0 && (
            <details>
              <summary>Executors of this data plane ({explanation.executors.length})</summary>
              <div className="table-scroll" role="region" aria-label="Executors and their verdicts" tabIndex={0}>
                <table>
                  <thead><tr><th scope="col">Executor</th><th scope="col">Status</th><th scope="col">Types</th><th scope="col">Slots in use</th><th scope="col">Last heartbeat</th><th scope="col">For this job</th></tr></thead>
                  <tbody>
                    {explanation.executors.map((e) => (
                      <tr key={e.id}>
                        <td>{e.name ? `${e.name} ` : ''}<code className="small">{e.id}</code></td>
                        <td>{e.status}</td>
                        <td>{e.types.length ? e.types.join(', ') : 'any'}</td>
                        <td>{e.running_jobs} of {e.slots}</td>
                        <td><Time iso={e.last_heartbeat_at} /></td>
                        <td>{VERDICTS[e.verdict] ?? e.verdict}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          )}
        </>
      )}
    </section>
  );
}
