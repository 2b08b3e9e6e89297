// compile(analysis, dialect): the SQL an engine runs for an analyzed statement. For EXPLAIN and
// CREATE MATERIALIZED VIEW this is the inner query: the forecast handler wraps it, and the
// materialize handler writes its rows to the view's dataset.
import type { Analysis } from '../analyzer/index.js';
import type { DialectId } from '../functions.js';
import type { Dialect } from './dialect.js';
import { DUCKDB } from './duckdb.js';
import type { EmitContext } from './emit-context.js';
import { emitQuery } from './emitter.js';
import { SPARK } from './spark.js';
import { assertCompilable } from './unsupported.js';

/** The dialects, one per engine (src/core/engines.ts), keyed by its id: the only registry. */
export const DIALECTS: Readonly<Record<DialectId, Dialect>> = { duckdb: DUCKDB, spark: SPARK };

/**
 * The SQL of `analysis` for a dialect. Throws NqlCompileError (an NqlAnalysisError) when the
 * statement uses something the dialect cannot express, e.g. a function it has no rendering for.
 */
export function compile(analysis: Analysis, dialect: DialectId | Dialect): string {
  const target = typeof dialect === 'string' ? DIALECTS[dialect] : dialect;
  assertCompilable(analysis, target);
  const ctx: EmitContext = {
    dialect: target,
    bindings: analysis.bindings,
    generated: 0,
    depth: 0,
  };
  return emitQuery(analysis.query, ctx);
}

export type { Dialect, UnnestNames } from './dialect.js';
export { NqlCompileError } from './unsupported.js';
export { DUCKDB } from './duckdb.js';
export { SPARK } from './spark.js';
