import type { Db, Queryable } from '../store/db/types.js';
import { DomainError } from '../core/errors.js';
import {
  analyze, collectDatasetRefs, compile, NqlAnalysisError, NqlError, parse, refKey,
  type Analysis, type ResolvedDataset, type Statement,
} from '../nql/index.js';
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
  compiledSql: string;
}

export function parseNql(text: string): Statement {
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof NqlError) throw nqlProblem(err);
    throw err;
  }
}

/**
 * Text to compiled SQL for one company and data plane: parse, resolve dataset references among the company's
 * datasets (an unknown or foreign dataset is "unknown dataset", never revealing another tenant's), analyze, check
 * that every dataset read lives on the job's data plane, and compile for that plane's engine.
 */
export async function compileForPlane(
  db: Db | Queryable, companyId: number, text: string, plane: { id: string; engine: 'duckdb' | 'spark' },
): Promise<CompiledStatement> {
  const statement = parseNql(text);
  const refs = collectDatasetRefs(statement);
  const ids = refs.flatMap((r) => ('id' in r ? [r.id] : []));
  const names = refs.flatMap((r) => ('name' in r ? [r.name] : []));
  const found = refs.length === 0 ? [] : await datasetsResolve(db, companyId, ids, names);
  const resolved = new Map<string, ResolvedDataset>();
  for (const ref of refs) {
    const d = found.find((x) => ('id' in ref ? x.id === ref.id : x.name === ref.name));
    if (d) resolved.set(refKey(ref), { id: d.id, name: d.name, schema: d.schema as never });
  }
  let analysis: Analysis;
  try {
    analysis = analyze(statement, resolved);
  } catch (err) {
    if (err instanceof NqlError) throw nqlProblem(err);
    throw err;
  }
  const datasets = analysis.datasetIds.map((id) => found.find((d) => d.id === id)!).filter(Boolean);
  const elsewhere = datasets.find((d) => d.data_plane_id !== plane.id);
  if (elsewhere) {
    throw new DomainError('nql_analysis_error', `dataset ${elsewhere.id} is on another data plane than ${plane.id}; a query cannot read across data planes`, {
      errors: [{ line: 1, column: 1, message: `dataset ${elsewhere.id} lives on data plane ${elsewhere.data_plane_id}` }],
    });
  }
  return { statement, analysis, datasets, compiledSql: compile(analysis, plane.engine) };
}
