// Shared state of one analysis: the inputs, the errors collected so far, and the side tables
// ("bindings") that passes fill in and the compilers read. The AST itself is never mutated:
// bindings are keyed by node identity, so the parser's tree stays a faithful record of the text.
import type {
  BinaryExpr,
  ColumnRef,
  DeltaRef,
  Expr,
  FieldAccess,
  FunctionCall,
  Query,
  SelectCore,
  SelectItem,
  Statement,
  SubqueryRef,
  TableRef,
  UnnestRef,
} from '../ast.js';
import type { NqlErrorDetail } from '../errors.js';
import type { FunctionDef } from '../functions.js';
import type { DatasetSchema } from '../schema.js';
import type { NqlType } from '../types.js';
import type { Scope } from './scope.js';
import type { ViewSpec } from './view-spec.js';

/** A dataset as the API resolved it from the database. */
export interface ResolvedDataset {
  id: number;
  name: string;
  schema: DatasetSchema;
}

export type StatementKind = Statement['kind'];

export interface OutputColumn {
  name: string;
  type: NqlType;
}

/** What a column reference turned out to be. */
export type ColumnBinding =
  /** `qualifier.column.path...`, qualifier being the relation's name in the emitted SQL. */
  | { kind: 'column'; qualifier: string; column: string; path: string[] }
  /** A FULL JOIN ... USING column: the first non-NULL of the sides. */
  | { kind: 'using'; qualifiers: string[]; column: string; path: string[] }
  /** A select-list alias used in GROUP BY, HAVING, QUALIFY or inside ORDER BY: emit its expression. */
  | { kind: 'alias'; item: SelectItem }
  /** An output column named directly by ORDER BY (the only form valid after a set operation). */
  | { kind: 'output'; name: string }
  /** The virtual `_price_cpm_usd` column (only inside a `<=` price filter). */
  | { kind: 'price' }
  /** The position column of `UNNEST(...) WITH ORDINALITY`: 1-based in NQL, whatever the engine counts from. */
  | { kind: 'ordinality'; qualifier: string; column: string };

export type RelationBinding = {
  /** `ds_<id>` or the CTE name; what the FROM item reads. */
  source: { kind: 'dataset'; datasetId: number; delta: boolean } | { kind: 'cte'; name: string };
  /** Name the relation has in the emitted SQL (user alias, `ds_<id>`, or the CTE name). */
  alias: string;
  /** Whether `alias` must be written out (false when it equals the CTE name). */
  aliasWritten: boolean;
};

/** The names an `UNNEST(...)` relation has in the emitted SQL. */
export interface UnnestBinding {
  alias: string;
  element: string;
  /** The WITH ORDINALITY column; null without it. */
  ordinality: string | null;
}

export type SubscriptBinding = { kind: 'field'; name: string } | { kind: 'index' };

export interface Bindings {
  columns: Map<ColumnRef, ColumnBinding>;
  relations: Map<TableRef | DeltaRef, RelationBinding>;
  /** Aliases of FROM subqueries, user-written or generated (`t`, `t0`, ...: Spark requires one). */
  subqueryAliases: Map<SubqueryRef | DeltaRef, string>;
  /** Output columns of each select core, one per select item, in order. */
  projections: Map<SelectCore, OutputColumn[]>;
  /** Output columns of each query (after set operations and CTE column lists). */
  queryOutputs: Map<Query, OutputColumn[]>;
  types: Map<Expr, NqlType>;
  calls: Map<FunctionCall, FunctionDef>;
  subscripts: Map<Expr, SubscriptBinding>;
  fields: Map<FieldAccess, string>;
  /** `_price_cpm_usd <= n` comparisons, compiled as a constant for the caller's own datasets. */
  priceFilters: Set<BinaryExpr>;
  unnests: Map<UnnestRef, UnnestBinding>;
}

export interface AnalysisContext {
  statement: Statement;
  kind: StatementKind;
  /** The query to compile: the statement's, or the one inside EXPLAIN / CMV. */
  query: Query;
  datasets: ReadonlyMap<string, ResolvedDataset>;
  errors: NqlErrorDetail[];
  bindings: Bindings;
  datasetIds: Set<number>;
  /** Names users gave to relations anywhere in the statement (computed on first need), so
   * generated aliases avoid them. */
  usedRelationNames: Set<string> | null;
  generatedAliasCount: number;
  outputColumns: OutputColumn[];
  outputSchema: DatasetSchema;
  view?: ViewSpec;
  /** Column references that resolved in an enclosing query's scope (correlations), with that scope;
   * the GROUP BY check (grouping.ts) reads it. */
  correlated: Map<ColumnRef, Scope> | null;
  /** Aggregate calls (not windows) resolved so far, anywhere: lets the GROUP BY check skip select
   * cores during whose resolution none appeared. */
  aggregateCalls: number;
}

export function newBindings(): Bindings {
  return {
    columns: new Map(),
    relations: new Map(),
    subqueryAliases: new Map(),
    projections: new Map(),
    queryOutputs: new Map(),
    types: new Map(),
    calls: new Map(),
    subscripts: new Map(),
    fields: new Map(),
    priceFilters: new Set(),
    unnests: new Map(),
  };
}
