import { useEffect, useId, useRef, useState } from 'react';
import { api, ApiError } from '../api/client';
import { useSession } from '../api/session-context';
import type { CompileResponse, DataPlane, JsonObject, RunResponse } from '../api/types';
import { CodeBlock } from '../components/CodeBlock';
import { ProblemAlert } from '../components/ProblemAlert';
import { StateBadge } from '../components/StateBadge';
import { formatCost, formatNumber, shortId } from '../lib/format';
import { useApi, useDebounced, useTitle } from '../lib/hooks';
import { Link } from '../lib/router';
import { NqlEditor, offsetOf, rangeOf, type NqlProblem } from './nql/NqlEditor';

const EXAMPLE = 'EXPLAIN SELECT "event_timestamp", "country_code"\nFROM company_data."6402"\nWHERE "country_code" = \'US\'';

type Check =
  | { status: 'empty' }
  | { status: 'checking' }
  | { status: 'valid'; kind: string; forecastNql: string | null; compiled: CompileResponse | null; compileError?: ApiError }
  | { status: 'invalid'; problems: NqlProblem[]; detail: string }
  | { status: 'error'; error: ApiError };

interface Submitted {
  id: string;
  what: 'forecast' | 'run';
  datasetId: number | null;
}

/** What "forecast" runs for a statement: EXPLAIN of its query (a view's SELECT, or the SELECT itself). */
function forecastOf(text: string, ast: JsonObject): string | null {
  if (ast['type'] === 'explain') return text;
  if (ast['type'] === 'select') return `EXPLAIN ${text}`;
  const select = ast['select'] as JsonObject | undefined;
  if (ast['type'] === 'create_materialized_view' && select && typeof select['nql'] === 'string') return `EXPLAIN ${select['nql']}`;
  return null;
}

export function NqlPage() {
  useTitle('NQL editor');
  const session = useSession();
  const canRun = session.can('nql', 'write');
  const planes = useApi<{ records: DataPlane[] }>(session.can('data-planes', 'read') ? '/data-planes' : null);
  const [plane, setPlane] = useState('');
  const [text, setText] = useState('');
  const [check, setCheck] = useState<Check>({ status: 'empty' });
  const [submitted, setSubmitted] = useState<Submitted[]>([]);
  const [submitError, setSubmitError] = useState<ApiError | undefined>();
  const [submitting, setSubmitting] = useState(false);
  const editor = useRef<HTMLTextAreaElement>(null);
  const settled = useDebounced(text, 300);
  const ids = { editor: useId(), status: useId(), problems: useId(), plane: useId() };

  // Validate (and compile) what was typed once typing pauses; an older answer never replaces a newer one.
  useEffect(() => {
    if (settled.trim() === '') {
      setCheck({ status: 'empty' });
      return;
    }
    const abort = new AbortController();
    setCheck({ status: 'checking' });
    const body = { nql: settled, ...(plane ? { data_plane_id: plane } : {}) };
    (async () => {
      try {
        const ast = await api<JsonObject>('/nql/validate', { method: 'POST', body, signal: abort.signal });
        let compiled: CompileResponse | null = null;
        let compileError: ApiError | undefined;
        try {
          compiled = await api<CompileResponse>('/nql/compile', { method: 'POST', body, signal: abort.signal });
        } catch (err) {
          if (err instanceof ApiError) compileError = err;
          else throw err;
        }
        if (abort.signal.aborted) return;
        setCheck({ status: 'valid', kind: String(ast['type']), forecastNql: forecastOf(settled, ast), compiled, ...(compileError ? { compileError } : {}) });
      } catch (err) {
        if (abort.signal.aborted || (err as Error).name === 'AbortError') return;
        if (err instanceof ApiError && err.status === 400) {
          const problems = (err.problem.errors ?? [])
            .filter((e) => typeof e.line === 'number' && typeof e.column === 'number')
            .map((e) => ({ line: e.line!, column: e.column as number, message: e.message }));
          setCheck({ status: 'invalid', problems, detail: err.problem.detail });
        } else {
          setCheck({ status: 'error', error: err instanceof ApiError ? err : new ApiError({ status: 0, detail: String(err) }) });
        }
      }
    })();
    return () => abort.abort();
  }, [settled, plane]);

  const problems = check.status === 'invalid' ? check.problems : [];
  const stale = text !== settled;

  const submit = async (what: 'forecast' | 'run') => {
    const nql = what === 'forecast' && check.status === 'valid' ? check.forecastNql : text;
    if (!nql) return;
    setSubmitting(true);
    setSubmitError(undefined);
    try {
      const res = await api<RunResponse>('/nql/run', { method: 'POST', body: { nql, ...(plane ? { data_plane_id: plane } : {}) } });
      const datasetId = res.input.dataset?.id ?? (typeof res.input['dataset_id'] === 'number' ? res.input['dataset_id'] : null);
      setSubmitted((s) => [{ id: res.id, what, datasetId }, ...s]);
    } catch (err) {
      setSubmitError(err instanceof ApiError ? err : new ApiError({ status: 0, detail: String(err) }));
    } finally {
      setSubmitting(false);
    }
  };

  const jumpTo = (p: NqlProblem) => {
    const el = editor.current;
    if (!el) return;
    const r = rangeOf(text, p);
    el.focus();
    el.setSelectionRange(offsetOf(text, p.line, p.column), Math.max(r.end, r.start));
  };

  const statusText = check.status === 'empty' ? 'Type an NQL statement; it is checked as you type.'
    : check.status === 'checking' || stale ? 'Checking…'
    : check.status === 'valid' ? `Valid ${check.kind.replace(/_/g, ' ')}${check.compiled ? `, reading dataset${check.compiled.dataset_ids.length === 1 ? '' : 's'} ${check.compiled.dataset_ids.join(', ') || 'none'}` : ''}.`
    : check.status === 'invalid' ? `${problems.length || 1} problem${problems.length > 1 ? 's' : ''}: ${check.detail}`
    : 'Could not check the statement.';

  return (
    <section className="nql-page">
      <h1 tabIndex={-1}>NQL editor</h1>
      {planes.data && planes.data.records.length > 1 && (
        <div className="field inline">
          <label htmlFor={ids.plane}>Data plane</label>
          <select id={ids.plane} value={plane} onChange={(e) => setPlane(e.target.value)}>
            <option value="">Company default</option>
            {planes.data.records.map((p) => <option key={p.id} value={p.id}>{p.display_name} ({p.engine})</option>)}
          </select>
        </div>
      )}
      <div className="side-by-side">
        <div>
          <label htmlFor={ids.editor} className="block-label">NQL statement</label>
          <NqlEditor ref={editor} id={ids.editor} value={text} onChange={setText} problems={problems} describedBy={`${ids.status} ${ids.problems}`} />
          <p id={ids.status} className={`nql-status status-${check.status}`} role="status" aria-live="polite" data-testid="nql-status">{statusText}</p>
          <ul id={ids.problems} className="nql-problems" data-testid="nql-problems">
            {problems.map((p, i) => (
              <li key={i}>
                <button type="button" className="link-button" onClick={() => jumpTo(p)}>Line {p.line}, column {p.column}</button>: {p.message}
              </li>
            ))}
          </ul>
          {check.status === 'error' && <ProblemAlert error={check.error} what="check the statement" />}
          {text === '' && (
            <p className="muted small">
              For example <button type="button" className="link-button" onClick={() => setText(EXAMPLE)}>a forecast on the sample dataset</button>.
              EXPLAIN SELECT … forecasts rows and cost; CREATE MATERIALIZED VIEW "name" AS SELECT … makes a dataset.
            </p>
          )}
          {canRun ? (
            <div className="actions">
              <button type="button" className="button" onClick={() => void submit('forecast')}
                disabled={submitting || stale || check.status !== 'valid' || !check.forecastNql}>Forecast</button>
              <button type="button" className="button primary" onClick={() => void submit('run')}
                disabled={submitting || stale || check.status !== 'valid'}>Run</button>
              <span className="muted small">Forecast runs EXPLAIN of the query (nothing is written); Run submits the statement as it is.</span>
            </div>
          ) : <p className="muted small">This token may check and compile NQL, not run it (that needs nql:write).</p>}
          <ProblemAlert error={submitError} what="submit the statement" />
        </div>
        <div>
          {check.status === 'valid' && check.compiled && (
            <CodeBlock label={`Compiled SQL (${check.compiled.dialect}), what the data plane would run`} code={check.compiled.compiled_sql} language="sql" />
          )}
          {check.status === 'valid' && check.compileError && <ProblemAlert error={check.compileError} what="compile the statement" />}
          {check.status !== 'valid' && <p className="muted compiled-placeholder">The compiled SQL appears here once the statement is valid.</p>}
        </div>
      </div>

      {submitted.length > 0 && (
        <section aria-labelledby="runs-h">
          <h2 id="runs-h">Submitted from this page</h2>
          <ul className="runs" data-testid="runs">
            {submitted.map((s) => <RunRow key={s.id} run={s} />)}
          </ul>
        </section>
      )}
    </section>
  );
}

/** One submitted job, followed live until it ends (GET /nql/{id}, refreshed by the event feed or polling). */
function RunRow({ run }: { run: Submitted }) {
  const session = useSession();
  const job = useApi<RunResponse>(`/nql/${run.id}`, { live: { jobId: run.id } });
  const j = job.data;
  const result = j?.result;
  const datasetId = typeof result?.['dataset_id'] === 'number' ? result['dataset_id'] : run.datasetId;
  return (
    <li data-job-id={run.id} data-state={j?.state ?? ''}>
      <strong>{run.what === 'forecast' ? 'Forecast' : 'Run'}</strong>{' '}
      {session.can('jobs', 'read') ? <Link to={`/jobs/${run.id}`}>job {shortId(run.id)}</Link> : <>job <code>{shortId(run.id)}</code></>}{' '}
      {j ? <StateBadge state={j.state} /> : <span className="muted">…</span>}
      {result && typeof result['rows'] === 'number' && typeof result['cost'] === 'number' && (
        <> about <strong>{formatNumber(result['rows'])}</strong> rows, costing <strong>{formatCost(result['cost'])}</strong></>
      )}
      {datasetId !== null && session.can('datasets', 'read') && (
        <> · <Link to={`/datasets/${datasetId}`}>dataset {datasetId}</Link></>
      )}
      {j && j.failures.length > 0 && <div className="failure-msg">{j.failures.at(-1)!.message}</div>}
      <ProblemAlert error={job.error} what="follow the job" />
    </li>
  );
}
