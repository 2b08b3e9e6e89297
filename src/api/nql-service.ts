import type { Queryable } from '../store/db/types.js';
import { DomainError } from '../core/errors.js';
import type { Engine } from '../core/engines.js';
import type { JobInput } from '../core/job.js';
import { MAX_PREVIEW_ROWS } from '../core/job-types.js';
import {
  analyze, collectDatasetRefs, compile, NqlAnalysisError, NqlError, parse, refKey,
  type Analysis, type ResolvedDataset, type Statement, type ViewSpec,
} from '../nql/index.js';
import { companyGet } from '../store/companies.js';
import { dataPlaneGet, type DataPlane } from '../store/data-planes.js';
import { datasetsResolve, type Dataset } from '../store/datasets.js';

/** NQL errors as problems: `errors: [{line, column, message}]` pointing at the offending token. */
export function nqlProblem(err: NqlError): DomainError {
  const code = err instanceof NqlAnalysisError ? 'nql_analysis_error' : 'nql_syntax_error';
  return new DomainError(code, err.message, {
    errors: err.errors.map((e) => ({
      line: e.line, column: e.column, message: e.message, code: e.code,
      ...(e.expected ? { expected: e.expected } : {}), ...(e.found ? { found: e.found } : {}),
    })),
  });
}

export interface CompiledStatement {
  statement: Statement;
  analysis: Analysis;
  /** The datasets the statement reads, as resolved for the caller's company. */
  datasets: Dataset[];
  /** The data plane the statement runs on: the one asked for, or the one of the datasets it reads. */
  plane: DataPlane;
  /** The dialect the SQL was compiled to: the plane's engine unless another was asked for. */
  dialect: Engine;
  compiledSql: string;
  /** What a job of this statement reads (Job.inputs). */
  inputs: JobInput[];
}

export function parseNql(text: string): Statement {
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof NqlError) throw nqlProblem(err);
    throw err;
  }
}

const planeProblem = (message: string, errors: Array<{ message: string }>) =>
  new DomainError('validation_failed', message, { errors: errors.map((e) => ({ in: 'body', pointer: '/data_plane_id', ...e })) });

/**
 * The plane a statement runs on. Asked for: that plane, which must hold every dataset read. Not asked for: the plane
 * of the datasets it reads (a query cannot read across planes: on several, a 400 names each dataset and its plane);
 * a statement that reads no dataset runs on the company's default plane.
 */
async function choosePlane(db: Queryable, companyId: number, requested: string | undefined, datasets: Dataset[]): Promise<DataPlane> {
  const planeIds = [...new Set(datasets.map((d) => d.data_plane_id))];
  const where = (d: Dataset) => ({ message: `dataset ${d.id} (${d.name}) lives on data plane ${d.data_plane_id}` });
  if (requested !== undefined) {
    const plane = await dataPlaneGet(db, companyId, requested);
    if (!plane) throw planeProblem(`data plane ${requested} was not found`, [{ message: 'is not a data plane of your company' }]);
    const elsewhere = datasets.filter((d) => d.data_plane_id !== plane.id);
    if (elsewhere.length > 0) {
      throw planeProblem(`the query reads ${elsewhere.map((d) => `dataset ${d.id}`).join(', ')} from another data plane than ${plane.id}; a query cannot read across data planes`,
        elsewhere.map(where));
    }
    return plane;
  }
  if (planeIds.length > 1) {
    throw planeProblem(`the query reads datasets on ${planeIds.length} data planes (${datasets.map((d) => `${d.id} on ${d.data_plane_id}`).join(', ')}); a query cannot read across data planes`,
      datasets.map(where));
  }
  const id = planeIds[0] ?? (await companyGet(db, companyId))?.default_data_plane_id ?? undefined;
  const plane = id ? await dataPlaneGet(db, companyId, id) : undefined;
  if (!plane) throw planeProblem('your company has no default data plane; pass data_plane_id', [{ message: 'is required' }]);
  return plane;
}

/** The company's datasets that NQL references name, by id (`company_data."123"`) or by name. */
async function datasetsNamed(db: Queryable, companyId: number, refs: ReturnType<typeof collectDatasetRefs>): Promise<Dataset[]> {
  if (refs.length === 0) return [];
  return datasetsResolve(db, companyId, refs.flatMap((r) => ('id' in r ? [r.id] : [])), refs.flatMap((r) => ('name' in r ? [r.name] : [])));
}

/**
 * Text to compiled SQL for one company: parse, resolve dataset references among the company's datasets (an unknown
 * or foreign dataset is "unknown dataset", never revealing another tenant's), analyze, choose the data plane, and
 * compile for its engine (or the dialect asked for).
 */
export async function compileNql(
  db: Queryable, companyId: number, text: string, opts: { dataPlaneId?: string | undefined; dialect?: Engine | undefined } = {},
): Promise<CompiledStatement> {
  const statement = parseNql(text);
  const refs = collectDatasetRefs(statement);
  const found = await datasetsNamed(db, companyId, refs);
  const resolved = new Map<string, ResolvedDataset>();
  for (const ref of refs) {
    const d = found.find((x) => ('id' in ref ? x.id === ref.id : x.name === ref.name));
    if (d) resolved.set(refKey(ref), { id: d.id, name: d.name, schema: d.schema });
  }
  let analysis: Analysis;
  try {
    analysis = analyze(statement, resolved);
  } catch (err) {
    if (err instanceof NqlError) throw nqlProblem(err);
    throw err;
  }
  const datasets = analysis.datasetIds.map((id) => found.find((d) => d.id === id)).filter((d): d is Dataset => d !== undefined);
  const plane = await choosePlane(db, companyId, opts.dataPlaneId, datasets);
  const dialect = opts.dialect ?? plane.engine;
  let compiledSql: string;
  try {
    compiledSql = compile(analysis, dialect);
  } catch (err) {
    if (err instanceof NqlError) throw nqlProblem(err);
    throw err;
  }
  return {
    statement, analysis, datasets, plane, dialect, compiledSql,
    inputs: analysis.datasetIds.map((id) => ({ dataset_id: id, snapshot_id: null })),
  };
}

const nqlOptionProblem = (message: string) =>
  new DomainError('validation_failed', message, { errors: [{ in: 'body', pointer: '/nql', message }] });

/**
 * Every view option either does something or is refused by name: a user who asked for partitions or snapshot
 * expiry and silently got neither would find out far too late. REFRESH_SCHEDULE creates a refresh schedule
 * (docs/views.md); the others listed here are not implemented yet.
 */
export function refuseUnsupportedViewOptions(view: ViewSpec, opts: { schedules: boolean }): void {
  if (!opts.schedules && view.refresh_schedule !== '@once') {
    throw nqlOptionProblem(`REFRESH_SCHEDULE '${view.refresh_schedule}' is not supported by this server; leave it out (refresh with POST /datasets/{id}/refresh-materialized-view)`);
  }
  if (view.retention_policy.type !== 'retain_everything') {
    throw nqlOptionProblem(`EXPIRE is not supported yet: snapshots are kept (retain_everything); leave EXPIRE out`);
  }
  if (view.partitioned_by.length > 0) {
    throw nqlOptionProblem('PARTITIONED_BY is not supported yet; leave it out');
  }
  if (view.status !== null && view.status !== 'active') {
    throw nqlOptionProblem(`STATUS '${view.status}' is not supported; a view is active once its first snapshot is committed`);
  }
}

/** A bare SELECT runs as a preview when it has a LIMIT of at most MAX_PREVIEW_ROWS rows. */
export function previewLimitOf(analysis: Analysis): number {
  const limit = analysis.query.limit;
  const count = limit ? Number(limit.count.value) : Number.NaN;
  if (!limit || !Number.isSafeInteger(count) || count > MAX_PREVIEW_ROWS) {
    throw new DomainError('validation_failed', `a bare SELECT runs as a preview of at most ${MAX_PREVIEW_ROWS} rows: end it with LIMIT n (n <= ${MAX_PREVIEW_ROWS}), ` +
      'or write EXPLAIN SELECT ... for a forecast of rows and cost, or CREATE MATERIALIZED VIEW "name" AS SELECT ... to materialize the result', {
      errors: [{ in: 'body', pointer: '/nql', message: `must end with LIMIT n, n <= ${MAX_PREVIEW_ROWS}, or be EXPLAIN or CREATE MATERIALIZED VIEW` }],
    });
  }
  return count;
}

/**
 * The datasets an NQL text reads, resolved among the company's datasets: the inputs of a job created with POST /jobs
 * that carries its NQL and compiled SQL but no `inputs` (as the Jobs API's own jobs do), so the plane binds them.
 * Text that does not parse names none (the job runs its compiled SQL as given); unknown names are left out.
 */
export async function inputsNamedBy(db: Queryable, companyId: number, nql: unknown): Promise<JobInput[]> {
  if (typeof nql !== 'string') return [];
  let refs: ReturnType<typeof collectDatasetRefs>;
  try {
    refs = collectDatasetRefs(parse(nql));
  } catch (err) {
    if (err instanceof NqlError) return [];
    throw err;
  }
  const found = await datasetsNamed(db, companyId, refs);
  return [...new Set(found.map((d) => d.id))].sort((a, b) => a - b).map((id) => ({ dataset_id: id, snapshot_id: null }));
}
