import { useId, useState } from 'react';
import { useSession } from '../api/session-context';
import type { DataPlane, Executor, Throughput } from '../api/types';
import { LineChart, StackedBarChart } from '../components/charts';
import { ProblemAlert } from '../components/ProblemAlert';
import { Time } from '../components/Time';
import { formatNumber, shortId } from '../lib/format';
import { useApi, useNow, useTitle } from '../lib/hooks';

/** Executors heartbeat every 10 s by default; three missed beats and the dashboard calls one silent. */
const SILENT_MS = 30_000;
const WINDOWS = [15, 60, 360, 1440];

export function OperationsPage() {
  useTitle('Operations');
  const session = useSession();
  const canPlanes = session.can('data-planes', 'read');
  const canJobs = session.can('jobs', 'read');
  const planes = useApi<{ records: DataPlane[] }>(canPlanes ? '/data-planes' : null, { live: true });
  const executors = useApi<{ records: Executor[] }>(canPlanes ? '/executors' : null, { live: true });
  const [minutes, setMinutes] = useState(60);
  const throughput = useApi<Throughput>(canJobs ? `/jobs/stats/throughput?minutes=${minutes}` : null, { live: true });
  const now = useNow(5_000);
  const windowId = useId();
  const planeName = (id: string) => planes.data?.records.find((p) => p.id === id)?.display_name ?? shortId(id);

  return (
    <section>
      <h1 tabIndex={-1}>Operations</h1>
      {canPlanes && (
        <>
          <section aria-labelledby="planes-h">
            <h2 id="planes-h">Data planes</h2>
            <ProblemAlert error={planes.error} what="list the data planes" />
            <div className="table-scroll" role="region" aria-label="Data planes" tabIndex={0}>
              <table data-testid="planes-table">
                <thead><tr><th scope="col">Data plane</th><th scope="col">Engine</th><th scope="col">Status</th><th scope="col">Last heartbeat</th><th scope="col">Id</th></tr></thead>
                <tbody>
                  {planes.data?.records.map((p) => {
                    const silent = !p.last_heartbeat_at || now - Date.parse(p.last_heartbeat_at) > SILENT_MS;
                    return (
                      <tr key={p.id}>
                        <td>{p.display_name}{p.description ? <div className="muted small">{p.description}</div> : null}</td>
                        <td>{p.engine}</td>
                        <td>{p.status}</td>
                        <td>{p.last_heartbeat_at ? <Time iso={p.last_heartbeat_at} /> : 'never'}{silent ? <span className="badge warn"> no operator heartbeat</span> : null}</td>
                        <td><code className="small">{p.id}</code></td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </section>

          <section aria-labelledby="executors-h">
            <h2 id="executors-h">Executors</h2>
            <ProblemAlert error={executors.error} what="list the executors" />
            {executors.data && executors.data.records.length === 0 && <p className="muted">No executor is registered: no job can run. Start <code>jobplane operator</code> (or <code>jobplane serve</code> with its in-process operator).</p>}
            {executors.data && executors.data.records.length > 0 && (
              <div className="table-scroll" role="region" aria-label="Executors" tabIndex={0}>
                <table data-testid="executors-table">
                  <thead>
                    <tr><th scope="col">Executor</th><th scope="col">Data plane</th><th scope="col">Types</th><th scope="col">Slots in use</th><th scope="col">Status</th><th scope="col">Last heartbeat</th></tr>
                  </thead>
                  <tbody>
                    {executors.data.records.map((e) => {
                      const silent = now - Date.parse(e.last_heartbeat_at) > SILENT_MS;
                      return (
                        <tr key={e.id}>
                          <td>{e.name ?? 'unnamed'}<div className="muted small"><code>{e.id}</code></div></td>
                          <td>{planeName(e.data_plane_id)}{e.compute_pool_id ? <div className="muted small">pool {shortId(e.compute_pool_id)}</div> : null}</td>
                          <td>{e.types.length ? e.types.join(', ') : 'any'}</td>
                          <td>
                            <meter min={0} max={e.slots} value={e.running_jobs} aria-label={`Slots in use by ${e.name ?? e.id}`} />{' '}
                            {e.running_jobs} of {e.slots}
                          </td>
                          <td>{e.status === 'draining' ? <span className="badge warn">draining</span> : 'active'}</td>
                          <td><Time iso={e.last_heartbeat_at} />{silent ? <span className="badge warn"> silent</span> : null}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}

      {canJobs && (
        <section aria-labelledby="charts-h">
          <h2 id="charts-h">Queue and throughput</h2>
          <div className="field inline">
            <label htmlFor={windowId}>Window</label>
            <select id={windowId} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
              {WINDOWS.map((m) => <option key={m} value={m}>{m < 60 ? `${m} minutes` : `${m / 60} hour${m === 60 ? '' : 's'}`}</option>)}
            </select>
          </div>
          <ProblemAlert error={throughput.error} what="load the throughput" />
          {throughput.data && <Charts data={throughput.data} />}
        </section>
      )}
    </section>
  );
}

function Charts({ data }: { data: Throughput }) {
  const times = data.buckets.map((b) => b.minute);
  const depth = data.buckets.map((b) => b.queue_depth);
  const peak = Math.max(0, ...depth);
  const sum = (k: 'running' | 'completed' | 'failed' | 'cancelled') => data.buckets.reduce((n, b) => n + b.counts[k], 0);
  const window = `the last ${data.minutes} minutes`;
  return (
    <div className="charts" data-testid="charts">
      <LineChart
        caption={`Queue depth (pending jobs), per minute, over ${window}`}
        summary={`Now ${formatNumber(depth.at(-1) ?? 0)} pending; at most ${formatNumber(peak)} in ${window}.`}
        times={times}
        series={[{ label: 'Pending', className: 'series-pending', values: depth }]}
      />
      <StackedBarChart
        caption={`Throughput: transitions per minute over ${window}`}
        summary={`${formatNumber(sum('running'))} started, ${formatNumber(sum('completed'))} completed, ${formatNumber(sum('failed'))} failed, ${formatNumber(sum('cancelled'))} cancelled in ${window}.`}
        times={times}
        series={[
          { label: 'Started', className: 'series-running', values: data.buckets.map((b) => b.counts.running) },
          { label: 'Completed', className: 'series-completed', values: data.buckets.map((b) => b.counts.completed) },
          { label: 'Failed', className: 'series-failed', values: data.buckets.map((b) => b.counts.failed) },
          { label: 'Cancelled', className: 'series-cancelled', values: data.buckets.map((b) => b.counts.cancelled) },
        ]}
      />
    </div>
  );
}
