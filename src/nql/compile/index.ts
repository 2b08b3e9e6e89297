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

export const DIALECTS: Readonly<Record<DialectId, Dialect>> = { duckdb: DUCKDB, spark: SPARK };

export function compile(analysis: Analysis, dialect: DialectId | Dialect): string {
  const ctx: EmitContext = {
    dialect: typeof dialect === 'string' ? DIALECTS[dialect] : dialect,
    bindings: analysis.bindings,
    generated: 0,
    depth: 0,
  };
  return emitQuery(analysis.query, ctx);
}

export type { Dialect } from './dialect.js';
export { DUCKDB } from './duckdb.js';
export { SPARK } from './spark.js';
