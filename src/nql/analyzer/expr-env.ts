// The environment an expression is resolved in: which names are visible and which kinds of
// call the clause permits (no aggregates in WHERE, window functions only in SELECT/QUALIFY/ORDER BY).
import type { NamedWindow, SelectItem } from '../ast.js';
import type { AnalysisContext, OutputColumn } from './context.js';
import type { Scope } from './scope.js';

/** CTEs visible at a point of the statement, innermost WITH first. */
export interface CteEntry {
  name: string;
  columns: OutputColumn[];
}
export interface CteEnv {
  entries: CteEntry[];
  parent: CteEnv | null;
}

export interface ExprEnv {
  ctx: AnalysisContext;
  scope: Scope;
  ctes: CteEnv | null;
  /** Clause name for messages: `WHERE`, `GROUP BY`, `JOIN ... ON`. */
  clause: string;
  allowAggregate: boolean;
  allowWindow: boolean;
  /**
   * Select-list aliases visible here. `prefer`: ORDER BY, where an output name wins over an input
   * column; `fallback`: GROUP BY/HAVING/QUALIFY, where input columns win (as in Spark and DuckDB).
   */
  aliases: { items: readonly SelectItem[]; mode: 'prefer' | 'fallback' } | null;
  /** `WINDOW w AS (...)` definitions of the enclosing select. */
  windows: readonly NamedWindow[];
}

/** A copy of `env` for another clause. Spelled out rather than spread: object spread of a
 * varying shape is one of the slowest operations in V8, and this runs for every clause. */
export function withClause(env: ExprEnv, clause: string, changes: Partial<ExprEnv> = {}): ExprEnv {
  return {
    ctx: env.ctx,
    scope: changes.scope ?? env.scope,
    ctes: changes.ctes !== undefined ? changes.ctes : env.ctes,
    clause,
    allowAggregate: changes.allowAggregate ?? env.allowAggregate,
    allowWindow: changes.allowWindow ?? env.allowWindow,
    aliases: changes.aliases !== undefined ? changes.aliases : env.aliases,
    windows: changes.windows ?? env.windows,
  };
}
