import { memo, useEffect, useId, useState } from 'react';
import { prefetch } from '../api/client';
import { useSession } from '../api/session-context';
import { JOB_STATES, type DataPlane, type Job, type JobStats, type Page } from '../api/types';
import { Pager } from '../components/Pager';
import { ProblemAlert } from '../components/ProblemAlert';
import { StateBadge } from '../components/StateBadge';
import { Time } from '../components/Time';
import { formatNumber, shortId, stateLabel } from '../lib/format';
import { useApi, useDebounced, useNow, useTitle } from '../lib/hooks';
import { Link, setSearch, useLocation } from '../lib/router';
import { filtersOf, jobsPagePaths, KNOWN_TYPES, PER_PAGE, PRESETS } from './jobs-paths';

export function JobsPage() {
  useTitle('Jobs');
  const session = useSession();
  const { search } = useLocation();
  const f = filtersOf(search);
  const now = useNow(60_000);
  const paths = jobsPagePaths(search, now);
  const list = useApi<Page<Job>>(paths.list, { live: true });
  const stats = useApi<JobStats>(paths.stats, { live: true });
  const planes = useApi<{ records: DataPlane[] }>(session.can('data-planes', 'read') ? '/data-planes' : null);

  const set = (changes: Record<string, string>, keepPage = false) => {
    const next = new URLSearchParams(search);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!keepPage) next.delete('page');
    // Ask for the new answers now, from the event, instead of after the page has re-rendered with the new filters
    // (useApi takes them); a request the new filters no longer need is aborted as the page moves on.
    const nextPaths = jobsPagePaths(next, now);
    if (nextPaths.list !== paths.list) prefetch(nextPaths.list);
    if (nextPaths.stats !== paths.stats) prefetch(nextPaths.stats);
    setSearch(next);
  };

  // The dataset box is typed into: the filter follows once typing pauses.
  const [datasetText, setDatasetText] = useState(f.dataset);
  // Back/forward or "clear" change the URL: the box follows it.
  useEffect(() => setDatasetText((t) => (t.trim() === f.dataset ? t : f.dataset)), [f.dataset]);
  const settledDataset = useDebounced(datasetText, 350);
  useEffect(() => {
    const v = /^\d+$/.test(settledDataset.trim()) ? settledDataset.trim() : '';
    if (v !== f.dataset) set({ dataset: v });
  }, [settledDataset]); // eslint-disable-line react-hooks/exhaustive-deps

  // A page past the end (an estimated last page that was too far, or jobs removed meanwhile): the answer for it
  // counts exactly, so go to the real last page.
  const pastEnd = !!list.data && !list.loading && list.data.records.length === 0 && f.page > 1
    && !list.data.total_records_estimated && list.data.total_pages >= 1 && f.page > list.data.total_pages;
  const lastPage = list.data?.total_pages ?? 1;
  useEffect(() => {
    if (pastEnd) set({ page: String(lastPage) }, true);
  }, [pastEnd, lastPage]); // eslint-disable-line react-hooks/exhaustive-deps

  const types = [...new Set([...KNOWN_TYPES, ...Object.keys(stats.data?.by_type ?? {}), ...(f.type ? [f.type] : [])])].sort();
  const ids = { state: useId(), type: useId(), plane: useId(), dataset: useId(), created: useId(), from: useId(), to: useId(), per: useId() };
  const anyFilter = f.state || f.type || f.plane || f.dataset || f.created;
  const data = list.data;

  return (
    <section>
      <h1 tabIndex={-1}>Jobs</h1>

      <section aria-labelledby="counts-heading" className="counts">
        <h2 id="counts-heading" className="sr-only">Jobs by state</h2>
        <ul className="count-cards" aria-busy={stats.loading && !stats.data}>
          {JOB_STATES.map((s) => (
            <li key={s}>
              <button type="button" className={`count-card state-${s}`} aria-pressed={f.state === s}
                onClick={() => set({ state: f.state === s ? '' : s })} data-testid={`count-${s}`}>
                <span className="count-number">{stats.data ? formatNumber(stats.data.counts[s]) : '…'}</span>
                <span className="count-label">{stateLabel(s)}</span>
              </button>
            </li>
          ))}
        </ul>
        {stats.data && (
          <p className="muted small">
            {formatNumber(stats.data.total)} job{stats.data.total === 1 ? '' : 's'}{f.plane || f.type ? ' of the chosen plane and type' : ''}
            {stats.data.retry_scheduled > 0 ? `; ${formatNumber(stats.data.retry_scheduled)} failed jobs will be retried` : ''}.
            Select a state to filter the list.
          </p>
        )}
        <ProblemAlert error={stats.error} what="count the jobs" />
      </section>

      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter jobs">
        <div className="field">
          <label htmlFor={ids.state}>State</label>
          <select id={ids.state} value={f.state} onChange={(e) => set({ state: e.target.value })}>
            <option value="">Any state</option>
            {JOB_STATES.map((s) => <option key={s} value={s}>{stateLabel(s)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.type}>Type</label>
          <select id={ids.type} value={f.type} onChange={(e) => set({ type: e.target.value })}>
            <option value="">Any type</option>
            {types.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </div>
        {planes.data && (
          <div className="field">
            <label htmlFor={ids.plane}>Data plane</label>
            <select id={ids.plane} value={f.plane} onChange={(e) => set({ plane: e.target.value })}>
              <option value="">Any plane</option>
              {planes.data.records.map((p) => <option key={p.id} value={p.id}>{p.display_name}</option>)}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.dataset}>Dataset id</label>
          <input id={ids.dataset} inputMode="numeric" pattern="[0-9]*" size={8} value={datasetText}
            onChange={(e) => setDatasetText(e.target.value)} placeholder="any" />
        </div>
        <div className="field">
          <label htmlFor={ids.created}>Created</label>
          <select id={ids.created} value={f.created} onChange={(e) => set({ created: e.target.value, from: '', to: '' })}>
            {PRESETS.map((p) => <option key={p.value} value={p.value}>{p.label}</option>)}
          </select>
        </div>
        {f.created === 'custom' && (
          <>
            <div className="field">
              <label htmlFor={ids.from}>From</label>
              <input id={ids.from} type="datetime-local" value={f.from} onChange={(e) => set({ from: e.target.value })} />
            </div>
            <div className="field">
              <label htmlFor={ids.to}>Before</label>
              <input id={ids.to} type="datetime-local" value={f.to} onChange={(e) => set({ to: e.target.value })} />
            </div>
          </>
        )}
        <div className="field">
          <label htmlFor={ids.per}>Per page</label>
          <select id={ids.per} value={f.perPage} onChange={(e) => set({ per_page: e.target.value })}>
            {PER_PAGE.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </div>
        {anyFilter && (
          <button type="button" className="button" onClick={() => { setDatasetText(''); setSearch(new URLSearchParams()); }}>Clear filters</button>
        )}
      </form>

      <ProblemAlert error={list.error} what="list the jobs" />
      <div className="table-scroll" role="region" aria-label="Jobs" tabIndex={0}>
        <table className="jobs" data-testid="jobs-table" aria-busy={list.loading} data-loaded={list.loadedPath ?? ''}>
          <caption className="sr-only">
            Jobs, newest first{data ? `: ${data.total_records_estimated ? 'about ' : ''}${formatNumber(data.total_records)} match` : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">Job</th><th scope="col">Type</th><th scope="col">State</th><th scope="col">Dataset</th>
              <th scope="col">Data plane</th><th scope="col">Created</th><th scope="col">Ended</th><th scope="col">Attempt</th>
            </tr>
          </thead>
          <tbody>
            <JobRows records={data?.records} planes={planes.data?.records} />
            {data && data.records.length === 0 && (
              <tr><td colSpan={8} className="empty">No job matches these filters.</td></tr>
            )}
            {!data && !list.error && <tr><td colSpan={8} className="empty">Loading jobs…</td></tr>}
          </tbody>
        </table>
      </div>
      {data && data.total_records > 0 && (
        <Pager label="Jobs" page={f.page} totalPages={data.total_pages} totalRecords={data.total_records}
          estimated={data.total_records_estimated ?? false} onPage={(p) => set({ page: String(p) }, true)} />
      )}
    </section>
  );
}

/**
 * The rows of one answer. Memoized on the answer (and the planes, for their names): a filter change re-renders the
 * page at once (the controls, aria-busy) while the previous rows stay as they are until the new answer arrives.
 */
const JobRows = memo(function JobRows({ records, planes }: { records: Job[] | undefined; planes: DataPlane[] | undefined }) {
  const planeName = (id: string) => planes?.find((p) => p.id === id)?.display_name ?? shortId(id);
  return (
    <>
      {records?.map((j) => (
        <tr key={j.job_id} data-job-id={j.job_id}>
          <td><Link to={`/jobs/${j.job_id}`} title={j.job_id}><code>{shortId(j.job_id)}</code></Link></td>
          <td>{j.type}</td>
          <td><StateBadge state={j.state} />{j.state === 'failed' && j.retry_at ? <span className="muted small"> (retry)</span> : null}</td>
          <td>{typeof j.input['dataset_id'] === 'number' ? String(j.input['dataset_id']) : <span className="muted">–</span>}</td>
          <td>{planeName(j.data_plane_id)}</td>
          <td><Time iso={j.created_at} /></td>
          <td><Time iso={j.ended_at} /></td>
          <td>{j.attempt} / {j.max_attempts}</td>
        </tr>
      ))}
    </>
  );
});
