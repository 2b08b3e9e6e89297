import { useState } from 'react';
import { api } from '../api/client';
import { useSession } from '../api/session-context';
import { TERMINAL, type DataPlane, type Explanation, type Job, type JobEvent } from '../api/types';
import { CodeBlock, JsonBlock } from '../components/CodeBlock';
import { ConfirmButton } from '../components/ConfirmDialog';
import { ProblemAlert } from '../components/ProblemAlert';
import { StateBadge } from '../components/StateBadge';
import { Time } from '../components/Time';
import { formatCost, formatDuration, formatNumber, shortId } from '../lib/format';
import { useApi, useTitle } from '../lib/hooks';
import { Link } from '../lib/router';
import { ExplainPanel } from './job/ExplainPanel';
import { Timeline, attemptsOf } from './job/Timeline';

export function JobPage({ id }: { id: string }) {
  useTitle(`Job ${shortId(id)}`);
  const session = useSession();
  const live = { live: { jobId: id } };
  const job = useApi<Job>(`/jobs/${encodeURIComponent(id)}`, live);
  const events = useApi<{ records: JobEvent[] }>(`/jobs/${encodeURIComponent(id)}/events`, live);
  const j = job.data;
  const waiting = j !== undefined && !(['completed', 'cancelled'] as string[]).includes(j.state) && !(j.state === 'failed' && !j.retry_at);
  const explain = useApi<Explanation>(waiting ? `/jobs/${encodeURIComponent(id)}/explain` : null, live);
  const planes = useApi<{ records: DataPlane[] }>(session.can('data-planes', 'read') ? '/data-planes' : null);
  const [said, setSaid] = useState('');

  if (job.error && !j) {
    return (
      <section>
        <h1 tabIndex={-1}>Job {shortId(id)}</h1>
        <ProblemAlert error={job.error} what="load the job" />
        <p><Link to="/jobs">Back to the jobs</Link></p>
      </section>
    );
  }
  if (!j) {
    // The same elements as the loaded page's head, so that its heading (which has the focus after a navigation)
    // stays the same element when the job arrives.
    return (
      <section className="job-page">
        <div className="page-head"><h1 tabIndex={-1}>Job <code>{shortId(id)}</code></h1></div>
        <p role="status">Loading…</p>
      </section>
    );
  }

  const refresh = () => {
    job.reload();
    events.reload();
    explain.reload();
  };
  const act = (path: string, body: unknown, done: string) => async () => {
    await api(`/jobs/${encodeURIComponent(id)}/${path}`, { method: 'POST', body });
    setSaid(done);
    refresh();
  };
  const plane = planes.data?.records.find((p) => p.id === j.data_plane_id);
  const nql = typeof j.input['nql'] === 'string' ? j.input['nql'] : null;
  const sql = typeof j.input['compiled_sql'] === 'string' ? j.input['compiled_sql'] : null;
  const attempts = attemptsOf(events.data?.records ?? [], j.failures);
  const canRead = (r: 'datasets') => session.can(r, 'read');

  return (
    <section className="job-page">
      <div className="page-head">
        <h1 tabIndex={-1}>Job <code title={j.job_id}>{shortId(j.job_id)}</code></h1>
        <StateBadge state={j.state} />
        <span className="muted">{j.type}</span>
      </div>
      <p className="sr-only" role="status" aria-live="polite">{said}</p>

      {session.can('jobs', 'write') && (
        <div className="actions" role="group" aria-label="Job actions">
          {!TERMINAL.includes(j.state) && (
            <ConfirmButton label="Reschedule" title="Reschedule this job?" confirmLabel="Reschedule"
              onConfirm={act('reschedule', {}, 'The job was rescheduled.')}>
              <p>It goes back to <strong>pending</strong> and its executor is cleared{j.state === 'running' ? '; the running attempt can no longer report (its lease is stale)' : ''}. An executor claims it again.</p>
            </ConfirmButton>
          )}
          {TERMINAL.includes(j.state) && (
            <ConfirmButton label="Run again" title="Run this finished job again?" confirmLabel="Run again"
              onConfirm={act('reschedule', { force: true }, 'The job was put back on the queue.')}>
              <p>The job is <strong>{j.state}</strong>. Rescheduling with <code>force</code> puts it back to <strong>pending</strong>, and it runs again.</p>
            </ConfirmButton>
          )}
          {(j.state === 'pending' || j.state === 'running') && (
            <ConfirmButton label="Request cancellation" title="Request cancellation?" confirmLabel="Request cancellation" danger
              onConfirm={act('request-cancellation', {}, 'Cancellation was requested.')}>
              <p>The job moves to <strong>pending cancellation</strong>{j.state === 'running' ? ` and ${j.executor ?? 'its executor'} is asked to stop` : ''}. It cannot be resumed; reschedule it to run it again.</p>
            </ConfirmButton>
          )}
          {j.state === 'pending_cancellation' && (
            <ConfirmButton label="Cancel now" title="Cancel this job now?" confirmLabel="Cancel the job" danger
              onConfirm={act('cancel', {}, 'The job was cancelled.')}>
              <p>Finalizes the cancellation: the job becomes <strong>cancelled</strong> at once{j.executor ? `, without waiting for ${j.executor} to confirm that it stopped (its reports are then refused)` : ''}.</p>
            </ConfirmButton>
          )}
        </div>
      )}

      {waiting && <ExplainPanel job={j} explanation={explain.data} error={explain.error} />}

      <section aria-labelledby="summary-h">
        <h2 id="summary-h">Summary</h2>
        <dl className="facts">
          <dt>Job id</dt><dd><code>{j.job_id}</code></dd>
          <dt>Type</dt><dd>{j.type}</dd>
          <dt>State</dt><dd><StateBadge state={j.state} /></dd>
          <dt>Data plane</dt><dd>{plane ? <Link to="/operations">{plane.display_name}</Link> : <code>{j.data_plane_id}</code>}</dd>
          <dt>Compute pool</dt><dd>{j.compute_pool_id ? <code>{j.compute_pool_id}</code> : 'none'}</dd>
          <dt>Execution</dt><dd>{j.execution_cluster.type === 'dedicated' ? 'dedicated (runs alone on an executor)' : 'shared'}</dd>
          <dt>Executor</dt><dd>{j.executor ? <code>{j.executor}</code> : 'none'}</dd>
          <dt>Priority</dt><dd>{j.priority}</dd>
          <dt>Attempt</dt><dd>{j.attempt} of {j.max_attempts}</dd>
          <dt>Created</dt><dd><Time iso={j.created_at} /></dd>
          <dt>Started</dt><dd><Time iso={j.dequeued_at} /></dd>
          <dt>Ended</dt><dd><Time iso={j.ended_at} />{j.dequeued_at && j.ended_at ? ` (ran ${formatDuration(j.dequeued_at, j.ended_at)})` : ''}</dd>
          {j.lease_expires_at && <><dt>Lease until</dt><dd><Time iso={j.lease_expires_at} /></dd></>}
          {j.retry_at && <><dt>Retry at</dt><dd><Time iso={j.retry_at} /></dd></>}
          {j.cancel_requested_at && <><dt>Cancellation requested</dt><dd><Time iso={j.cancel_requested_at} /></dd></>}
          <dt>Requested by</dt><dd>{describeSource(j.request_source)}</dd>
          <dt>Idempotency key</dt><dd><code>{j.idempotency_key}</code></dd>
        </dl>
      </section>

      <section aria-labelledby="input-h">
        <h2 id="input-h">Input</h2>
        {nql !== null ? (
          <div className="side-by-side">
            <CodeBlock label="NQL, as submitted" code={nql} language="nql" />
            {sql !== null ? <CodeBlock label={`Compiled SQL${plane ? ` (${plane.engine})` : ''}, as the engine runs it`} code={sql} language="sql" />
              : <p className="muted">No compiled SQL in the input.</p>}
          </div>
        ) : <JsonBlock label="Input" value={j.input} />}
        {j.inputs && j.inputs.length > 0 && (
          <>
            <h3>Datasets it reads</h3>
            <ul>
              {j.inputs.map((i) => (
                <li key={`${i.dataset_id}-${i.snapshot_id}`}>
                  {canRead('datasets') ? <Link to={`/datasets/${i.dataset_id}`}>Dataset {i.dataset_id}</Link> : `Dataset ${i.dataset_id}`}
                  {i.snapshot_id !== null ? <>, snapshot {canRead('datasets') ? <Link to={`/datasets/${i.dataset_id}/snapshots/${i.snapshot_id}`}>{i.snapshot_id}</Link> : i.snapshot_id}</> : ' (snapshot bound when it runs)'}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>

      <section aria-labelledby="result-h">
        <h2 id="result-h">Result</h2>
        {j.result ? <ResultView job={j} canReadDatasets={canRead('datasets')} /> : <p className="muted">{j.state === 'completed' ? 'The job completed without a result.' : 'No result yet.'}</p>}
      </section>

      <section aria-labelledby="attempts-h">
        <h2 id="attempts-h">Attempts and failures</h2>
        {attempts.length === 0 ? <p className="muted">Not run yet.</p> : (
          <div className="table-scroll" role="region" aria-label="Attempts" tabIndex={0}>
            <table>
              <caption className="sr-only">Attempts</caption>
              <thead><tr><th scope="col">Attempt</th><th scope="col">Executor</th><th scope="col">Started</th><th scope="col">Ended</th><th scope="col">Outcome</th></tr></thead>
              <tbody>
                {attempts.map((a) => (
                  <tr key={`${a.attempt}-${a.started}`}>
                    <td>{a.attempt}</td>
                    <td>{a.executor ? <code>{a.executor}</code> : '–'}</td>
                    <td><Time iso={a.started} /></td>
                    <td>{a.ended ? <><Time iso={a.ended} /> <span className="muted small">({formatDuration(a.started, a.ended)})</span></> : 'still running'}</td>
                    <td>{a.outcome ? <><StateBadge state={a.outcome} /> <span className="muted small">{a.endAction}</span></> : '–'}{a.failure ? <div className="failure-msg">{a.failure.message}</div> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {j.failures.length > 0 && (
          <ol className="failures">
            {j.failures.map((f, i) => (
              <li key={i}>
                <p><strong>Failure {i + 1}</strong> (<Time iso={f.timestamp} />): {f.message}</p>
                {Object.keys(f.value ?? {}).length > 0 && <JsonBlock label={`Diagnostics of failure ${i + 1}`} value={f.value} />}
              </li>
            ))}
          </ol>
        )}
      </section>

      <section aria-labelledby="timeline-h">
        <h2 id="timeline-h">Timeline</h2>
        <ProblemAlert error={events.error} what="load the events" />
        <Timeline events={events.data?.records ?? []} />
      </section>
    </section>
  );
}

function describeSource(source: Job['request_source']): string {
  if (source['type'] === 'api_user') return `user ${String(source['user_id'] ?? '?')} of company ${String(source['company_id'] ?? '?')}`;
  if (source['type'] === 'process') return `process ${String(source['name'] ?? '')}`;
  return JSON.stringify(source);
}

function ResultView({ job, canReadDatasets }: { job: Job; canReadDatasets: boolean }) {
  const r = job.result!;
  const datasetId = typeof r['dataset_id'] === 'number' ? r['dataset_id'] : null;
  const snapshotId = typeof r['snapshot_id'] === 'number' ? r['snapshot_id'] : null;
  return (
    <>
      {datasetId !== null && (
        <p>
          Wrote{' '}
          {canReadDatasets ? <Link to={`/datasets/${datasetId}`}>dataset {datasetId}</Link> : `dataset ${datasetId}`}
          {snapshotId !== null && <>, snapshot {canReadDatasets ? <Link to={`/datasets/${datasetId}/snapshots/${snapshotId}`}>{snapshotId}</Link> : snapshotId}</>}.
        </p>
      )}
      {typeof r['rows'] === 'number' && typeof r['cost'] === 'number' && (
        <p>Forecast: about <strong>{formatNumber(r['rows'])}</strong> rows, costing <strong>{formatCost(r['cost'])}</strong>.</p>
      )}
      <JsonBlock label="Result" value={r} />
    </>
  );
}
