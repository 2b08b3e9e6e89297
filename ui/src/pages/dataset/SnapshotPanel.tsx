import { useEffect, useState } from 'react';
import { api, ApiError, query } from '../../api/client';
import { useSession } from '../../api/session-context';
import type { ColumnStats, Dataset, Json, RowsPage, Snapshot } from '../../api/types';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Time } from '../../components/Time';
import { serverHas } from '../../lib/capabilities';
import { formatBytes, formatNumber, shortId } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { Link } from '../../lib/router';

const ROWS_PATH = '/datasets/{dataset_id}/snapshots/{snapshot_id}/rows';
const PREVIEW_ROWS = 20;

const cell = (v: Json | undefined): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function SnapshotPanel({ dataset, snapshotId }: { dataset: Dataset; snapshotId: number }) {
  const session = useSession();
  const base = `/datasets/${dataset.id}/snapshots/${snapshotId}`;
  const snap = useApi<Snapshot>(base);
  const stats = useApi<ColumnStats>(`${base}/column-stats`);
  const s = snap.data;
  const statsMissing = stats.error?.status === 404;
  const columns = stats.data?.stats.columns ?? [];

  return (
    <section aria-labelledby="snapshot-h" className="snapshot" data-testid="snapshot-panel">
      <h2 id="snapshot-h">Snapshot {snapshotId}{dataset.latest_snapshot_id === snapshotId ? ' (latest)' : ''}</h2>
      <ProblemAlert error={snap.error} what="load the snapshot" />
      {s && (
        <>
          <dl className="facts">
            <dt>Rows</dt><dd data-testid="snapshot-rows">{formatNumber(s.row_count)}</dd>
            <dt>Size</dt><dd>{formatBytes(s.bytes)} in {formatNumber(s.files.length)} file{s.files.length === 1 ? '' : 's'}</dd>
            <dt>Operation</dt><dd>{s.operation}</dd>
            <dt>Committed</dt><dd><Time iso={s.created_at} /></dd>
            <dt>Previous snapshot</dt><dd>{s.parent_snapshot_id ? <Link to={`/datasets/${dataset.id}/snapshots/${s.parent_snapshot_id}`}>{s.parent_snapshot_id}</Link> : 'none'}</dd>
          </dl>

          <h3>Lineage</h3>
          <ul className="lineage" data-testid="lineage">
            <li>
              {s.job_id
                ? <>Written by {session.can('jobs', 'read') ? <Link to={`/jobs/${s.job_id}`}>job {shortId(s.job_id)}</Link> : <>job <code>{s.job_id}</code></>}</>
                : 'Written by an import (no job).'}
            </li>
            {s.inputs.length === 0 && <li>It read no other dataset.</li>}
            {s.inputs.map((i) => (
              <li key={`${i.dataset_id}-${i.snapshot_id}`}>
                Read <Link to={`/datasets/${i.dataset_id}`}>dataset {i.dataset_id}</Link>
                {i.snapshot_id !== null && <>, snapshot <Link to={`/datasets/${i.dataset_id}/snapshots/${i.snapshot_id}`}>{i.snapshot_id}</Link></>}
              </li>
            ))}
          </ul>

          <details>
            <summary>Files ({formatNumber(s.files.length)})</summary>
            <ul className="files">{s.files.map((f) => <li key={f.path}><code>{f.path}</code>: {formatNumber(f.rows)} rows, {formatBytes(f.bytes)}</li>)}</ul>
          </details>
        </>
      )}

      <h3>Column statistics</h3>
      {statsMissing && <p className="muted">No statistics were computed for this snapshot.</p>}
      {!statsMissing && <ProblemAlert error={stats.error} what="load the column statistics" />}
      {columns.length > 0 && (
        <div className="table-scroll" role="region" aria-label="Column statistics" tabIndex={0}>
          <table data-testid="column-stats">
            <caption className="sr-only">Column statistics of snapshot {snapshotId}</caption>
            <thead><tr><th scope="col">Column</th><th scope="col">Type</th><th scope="col">Nulls</th><th scope="col">Distinct (approx.)</th><th scope="col">Min</th><th scope="col">Max</th></tr></thead>
            <tbody>
              {columns.map((c) => (
                <tr key={c.path ?? c.column}>
                  <th scope="row"><code>{c.path ?? c.column}</code></th>
                  <td>{c.type ?? ''}</td>
                  <td>{c.null_count !== undefined ? formatNumber(c.null_count) : ''}</td>
                  <td>{c.approx_distinct_count !== undefined ? formatNumber(c.approx_distinct_count) : ''}</td>
                  <td className="clip">{cell(c.min)}</td>
                  <td className="clip">{cell(c.max)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <Preview datasetId={dataset.id} snapshotId={snapshotId} />
    </section>
  );
}

/**
 * The first rows, read by the dataset's data plane (the control plane never reads plane storage: the rows endpoint
 * runs a sample job on the plane and waits for it), on demand, since each preview is a job.
 */
function Preview({ datasetId, snapshotId }: { datasetId: number; snapshotId: number }) {
  const [available, setAvailable] = useState<boolean | null>(null);
  const [rows, setRows] = useState<RowsPage | null>(null);
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    void serverHas(ROWS_PATH).then((has) => { if (live) setAvailable(has); });
    setRows(null);
    setError(undefined);
    return () => { live = false; };
  }, [datasetId, snapshotId]);

  const load = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setRows(await api<RowsPage>(`/datasets/${datasetId}/snapshots/${snapshotId}/rows${query({ limit: PREVIEW_ROWS, offset: 0 })}`));
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError({ status: 0, detail: String(err) });
      if (e.noRoute) setAvailable(false);
      else setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="preview-h" data-testid="preview">
      <h3 id="preview-h">Preview</h3>
      {available === null && <p role="status">Checking whether this server can preview rows…</p>}
      {available === false && (
        <p className="alert alert-info" role="status" data-testid="preview-unavailable">
          Row preview is not available on this server yet: it has no <code>GET {ROWS_PATH}</code> endpoint, which
          asks the dataset&apos;s data plane for the rows. Upgrade the server to see the first rows here.
        </p>
      )}
      {available && !rows && (
        <p>
          <button type="button" className="button" onClick={() => void load()} disabled={busy} aria-busy={busy}>
            {busy ? 'Asking the data plane…' : `Show the first ${PREVIEW_ROWS} rows`}
          </button>{' '}
          <span className="muted small">The data plane reads them (a short sample job).</span>
        </p>
      )}
      <ProblemAlert error={error} what="preview the rows" />
      {rows && (
        <div className="table-scroll" role="region" aria-label="First rows" tabIndex={0}>
          <table data-testid="preview-table">
            <caption className="sr-only">First {rows.rows.length} rows of snapshot {snapshotId}</caption>
            <thead><tr>{rows.columns.map((c) => <th key={c.name} scope="col">{c.name} <span className="muted small">{c.type}</span></th>)}</tr></thead>
            <tbody>
              {rows.rows.map((r, i) => <tr key={i}>{rows.columns.map((c) => <td key={c.name} className="clip">{cell(r[c.name])}</td>)}</tr>)}
            </tbody>
          </table>
          <p className="muted small">{formatNumber(rows.rows.length)} rows shown{rows.total_rows !== undefined ? ` of ${formatNumber(rows.total_rows)}` : ''}.</p>
        </div>
      )}
    </section>
  );
}
