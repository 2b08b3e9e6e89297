import { query } from '../api/client';
import { useSession } from '../api/session-context';
import type { DataPlane, Dataset, Page } from '../api/types';
import { Pager } from '../components/Pager';
import { ProblemAlert } from '../components/ProblemAlert';
import { Time } from '../components/Time';
import { shortId } from '../lib/format';
import { useApi, useTitle } from '../lib/hooks';
import { Link, setSearch, useLocation } from '../lib/router';

export function DatasetsPage() {
  useTitle('Data');
  const session = useSession();
  const { search } = useLocation();
  const page = Math.max(Number(search.get('page') ?? 1) || 1, 1);
  const list = useApi<Page<Dataset>>(`/datasets${query({ page, per_page: 50 })}`, { live: true });
  const planes = useApi<{ records: DataPlane[] }>(session.can('data-planes', 'read') ? '/data-planes' : null);
  const planeName = (id: string) => planes.data?.records.find((p) => p.id === id)?.display_name ?? shortId(id);
  const data = list.data;
  return (
    <section>
      <h1 tabIndex={-1}>Data</h1>
      <p className="muted">Datasets of your company, newest first. Open one for its schema, snapshots, column statistics, lineage and a preview of its rows.</p>
      <ProblemAlert error={list.error} what="list the datasets" />
      <div className="table-scroll" role="region" aria-label="Datasets" tabIndex={0}>
        <table data-testid="datasets-table" aria-busy={list.loading}>
          <caption className="sr-only">Datasets</caption>
          <thead>
            <tr><th scope="col">Dataset</th><th scope="col">Id</th><th scope="col">Status</th><th scope="col">Write mode</th><th scope="col">Data plane</th><th scope="col">Latest snapshot</th><th scope="col">Created</th></tr>
          </thead>
          <tbody>
            {data?.records.map((d) => (
              <tr key={d.id}>
                <td><Link to={`/datasets/${d.id}`}>{d.display_name}</Link>{d.display_name !== d.name ? <div className="muted small"><code>{d.name}</code></div> : null}</td>
                <td>{d.id}</td>
                <td>{d.status}</td>
                <td>{d.write_mode}</td>
                <td>{planeName(d.data_plane_id)}</td>
                <td>{d.latest_snapshot_id ? <Time iso={d.last_snapshot_created_at} /> : <span className="muted">none yet</span>}</td>
                <td><Time iso={d.created_at} /></td>
              </tr>
            ))}
            {data && data.records.length === 0 && <tr><td colSpan={7} className="empty">No datasets yet. Create one with NQL (CREATE MATERIALIZED VIEW) or an import.</td></tr>}
            {!data && !list.error && <tr><td colSpan={7} className="empty">Loading…</td></tr>}
          </tbody>
        </table>
      </div>
      {data && data.total_pages > 1 && (
        <Pager label="Datasets" page={page} totalPages={data.total_pages} totalRecords={data.total_records}
          onPage={(p) => setSearch(new URLSearchParams({ page: String(p) }))} />
      )}
    </section>
  );
}
