import { query } from '../api/client';
import { useSession } from '../api/session-context';
import type { DataPlane, Dataset, Page, SchemaNode, Snapshot } from '../api/types';
import { CodeBlock } from '../components/CodeBlock';
import { Pager } from '../components/Pager';
import { ProblemAlert } from '../components/ProblemAlert';
import { Time } from '../components/Time';
import { formatBytes, formatNumber, shortId } from '../lib/format';
import { useApi, useTitle } from '../lib/hooks';
import { Link, setSearch, useLocation } from '../lib/router';
import { SnapshotPanel } from './dataset/SnapshotPanel';

interface SchemaRow {
  path: string;
  type: string;
  depth: number;
}

/** The schema as rows: nested objects indented under their parent ("a.b"), arrays as "list of <type>". */
function flatten(node: SchemaNode, prefix = '', depth = 0, out: SchemaRow[] = []): SchemaRow[] {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    const type = child.type === 'array' && child.items ? `list of ${child.items.type}` : child.type;
    out.push({ path, type, depth });
    if (child.properties) flatten(child, path, depth + 1, out);
    if (child.items?.properties) flatten(child.items, `${path}[]`, depth + 1, out);
  }
  return out;
}

export function DatasetPage({ id, snapshotId }: { id: number; snapshotId?: number }) {
  const session = useSession();
  const { search } = useLocation();
  const page = Math.max(Number(search.get('page') ?? 1) || 1, 1);
  const dataset = useApi<Dataset>(`/datasets/${id}`, { live: true });
  const snapshots = useApi<Page<Snapshot>>(`/datasets/${id}/snapshots${query({ page, per_page: 20 })}`, { live: true });
  const planes = useApi<{ records: DataPlane[] }>(session.can('data-planes', 'read') ? '/data-planes' : null);
  const d = dataset.data;
  useTitle(d ? d.display_name : `Dataset ${id}`);
  if (!d) {
    return (
      <section>
        <h1 tabIndex={-1}>Dataset {id}</h1>
        {dataset.error ? <ProblemAlert error={dataset.error} what="load the dataset" /> : <p role="status">Loading…</p>}
        <p><Link to="/datasets">All datasets</Link></p>
      </section>
    );
  }
  const selected = snapshotId ?? d.latest_snapshot_id ?? null;
  const plane = planes.data?.records.find((p) => p.id === d.data_plane_id);
  const rows = flatten(d.schema);

  return (
    <section className="dataset-page">
      <p className="crumbs"><Link to="/datasets">Data</Link> / {d.name}</p>
      <h1 tabIndex={-1}>{d.display_name}</h1>
      {d.description && <p>{d.description}</p>}
      <dl className="facts">
        <dt>Id</dt><dd>{d.id}</dd>
        <dt>Name</dt><dd><code>{d.name}</code> (in NQL: <code>company_data."{d.id}"</code>)</dd>
        <dt>Status</dt><dd>{d.status}{d.status === 'pending' ? ' (its first snapshot is not written yet)' : ''}</dd>
        <dt>Write mode</dt><dd>{d.write_mode}</dd>
        <dt>Data plane</dt><dd>{plane ? plane.display_name : <code>{d.data_plane_id}</code>}</dd>
        <dt>Tags</dt><dd>{d.tags.length ? d.tags.join(', ') : 'none'}</dd>
        <dt>Created</dt><dd><Time iso={d.created_at} /></dd>
        <dt>Latest snapshot</dt><dd>{d.latest_snapshot_id ? <><Link to={`/datasets/${d.id}/snapshots/${d.latest_snapshot_id}`}>{d.latest_snapshot_id}</Link> (<Time iso={d.last_snapshot_created_at} />)</> : 'none yet'}</dd>
      </dl>
      {d.materialized_view_config && <CodeBlock label="Materialized view definition (NQL)" code={d.materialized_view_config.nql} language="nql" />}

      <section aria-labelledby="schema-h">
        <h2 id="schema-h">Schema</h2>
        <div className="table-scroll" role="region" aria-label="Schema" tabIndex={0}>
          <table className="schema" data-testid="schema-table">
            <caption className="sr-only">Attributes of {d.name}</caption>
            <thead><tr><th scope="col">Attribute</th><th scope="col">Type</th></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.path}><th scope="row" style={{ paddingLeft: `${0.5 + r.depth * 1.25}rem` }}><code>{r.path}</code></th><td>{r.type}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="snapshots-h">
        <h2 id="snapshots-h">Snapshots</h2>
        <ProblemAlert error={snapshots.error} what="list the snapshots" />
        {snapshots.data && snapshots.data.records.length === 0 && <p className="muted">No snapshot yet: the dataset has no data.</p>}
        {snapshots.data && snapshots.data.records.length > 0 && (
          <div className="table-scroll" role="region" aria-label="Snapshots" tabIndex={0}>
            <table data-testid="snapshots-table">
              <caption className="sr-only">Snapshots, newest first</caption>
              <thead>
                <tr><th scope="col">Snapshot</th><th scope="col">Committed</th><th scope="col">Operation</th><th scope="col">Rows</th><th scope="col">Size</th><th scope="col">Files</th><th scope="col">Written by</th></tr>
              </thead>
              <tbody>
                {snapshots.data.records.map((s) => (
                  <tr key={s.snapshot_id} aria-current={s.snapshot_id === selected ? 'true' : undefined}>
                    <td><Link to={`/datasets/${d.id}/snapshots/${s.snapshot_id}`}>{s.snapshot_id}</Link></td>
                    <td><Time iso={s.created_at} /></td>
                    <td>{s.operation}</td>
                    <td>{formatNumber(s.row_count)}</td>
                    <td>{formatBytes(s.bytes)}</td>
                    <td>{formatNumber(s.files.length)}</td>
                    <td>{s.job_id ? (session.can('jobs', 'read') ? <Link to={`/jobs/${s.job_id}`}>job {shortId(s.job_id)}</Link> : `job ${shortId(s.job_id)}`) : 'import'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {snapshots.data && snapshots.data.total_pages > 1 && (
          <Pager label="Snapshots" page={page} totalPages={snapshots.data.total_pages} totalRecords={snapshots.data.total_records}
            onPage={(p) => setSearch(new URLSearchParams({ page: String(p) }))} />
        )}
      </section>

      {selected !== null && <SnapshotPanel dataset={d} snapshotId={selected} />}
    </section>
  );
}
