/**
 * Typed AST for NQL (Narrative I/O's query language).
 *
 * Contract shared with the analyzer/compilers: change additively only.
 *
 * Conventions:
 * - Every node is an object with a literal `kind` (the union discriminant) and a `span` covering its source text.
 * - The tree keeps no parentheses: grouping lives in the tree shape and the printer re-inserts parentheses where
 *   precedence needs them. A parenthesised query body (`(SELECT ...)` inside a set operation or after `AS`) is kept,
 *   as a nested `Query`, because it can carry its own ORDER BY / LIMIT.
 * - Names are not resolved here. `a.b.c` is a `column_ref` with three parts; whether `a` is a table alias, a column
 *   or a nested attribute is the analyzer's decision. Unquoted names keep the case they were written in.
 * - Optional clauses are `null` (never missing) and repeated clauses are arrays (possibly empty), so that trees
 *   compare structurally and JSON round-trips them unchanged.
 * - Numbers are kept as their source digits (strings): dataset and snapshot ids exceed 2^53.
 */

/** A source position. `offset` is a 0-based UTF-16 index; `line` and `column` are 1-based. */
export interface Pos {
  offset: number;
  line: number;
  column: number;
}

/** Half-open source range: `text.slice(start.offset, end.offset)` is the node's text. */
export interface Span {
  start: Pos;
  end: Pos;
}

interface NodeBase {
  span: Span;
}

/** One name: `mobile_id`, `"6402"`, `"day"`. `quoted` is true for the double-quoted form. */
export interface Identifier extends NodeBase {
  kind: 'identifier';
  value: string;
  quoted: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------------------------

export type Statement = SelectStatement | ExplainStatement | CreateMaterializedViewStatement;

/** `SELECT ...` (any query, including `WITH` and set operations), optionally followed by a budget. */
export interface SelectStatement extends NodeBase {
  kind: 'select';
  query: Query;
  /** `LIMIT 100 USD [PER ...]`, `BUDGET 50 USD`, `NO LIMIT` after the query. */
  budget: Budget | null;
}

/** `EXPLAIN <query>`: runs a forecast instead of the query. */
export interface ExplainStatement extends NodeBase {
  kind: 'explain';
  query: Query;
  budget: Budget | null;
}

/** `CREATE MATERIALIZED VIEW "name" [options] AS <query> [budget]`. */
export interface CreateMaterializedViewStatement extends NodeBase {
  kind: 'create_materialized_view';
  name: Identifier;
  /** In source order. The parser rejects an option given twice. */
  options: CmvOption[];
  /** `AS (SELECT ...)` is a `Query` whose body is the parenthesised `Query`. */
  query: Query;
  budget: Budget | null;
}

// --- Budgets ----------------------------------------------------------------------------------------------------

export type Budget = BudgetLimit | BudgetUnlimited;

/** `BUDGET 50 USD` or `LIMIT 500 USD PER CALENDAR_MONTH`. */
export interface BudgetLimit extends NodeBase {
  kind: 'budget_limit';
  /** Which keyword introduced it; both mean a spending cap. */
  keyword: 'BUDGET' | 'LIMIT';
  /** Source digits, e.g. `'50'` or `'12.50'`. */
  amount: string;
  currency: 'USD';
  /** `null` means the cap applies to the single run. */
  period: 'CALENDAR_MONTH' | 'CALENDAR_DAY' | null;
}

/** `NO LIMIT` or `LIMIT ALL`: no spending cap. */
export interface BudgetUnlimited extends NodeBase {
  kind: 'budget_unlimited';
  form: 'NO LIMIT' | 'LIMIT ALL';
}

// --- Materialized view options ------------------------------------------------------------------------------------

export type CmvOption =
  | RefreshScheduleOption
  | DisplayNameOption
  | DescriptionOption
  | ExpireOption
  | StatusOption
  | TagsOption
  | WriteModeOption
  | ExtendedStatsOption
  | PartitionedByOption;

/** `REFRESH_SCHEDULE = '@hourly'` | `'@daily'` | `'@weekly'` | `'@monthly'` | `'@once'` | a 5-field cron string. */
export interface RefreshScheduleOption extends NodeBase {
  kind: 'refresh_schedule_option';
  value: string;
}

/** `DISPLAY_NAME = '...'`. */
export interface DisplayNameOption extends NodeBase {
  kind: 'display_name_option';
  value: string;
}

/** `DESCRIPTION = '...'`. */
export interface DescriptionOption extends NodeBase {
  kind: 'description_option';
  value: string;
}

/** `EXPIRE = 'P30D'` (ISO-8601 period) | `'retain_everything'` | `'expire_everything'`. */
export interface ExpireOption extends NodeBase {
  kind: 'expire_option';
  value: string;
}

/** `STATUS = 'active' | 'updating' | 'draft'` (RFC only). */
export interface StatusOption extends NodeBase {
  kind: 'status_option';
  value: 'active' | 'updating' | 'draft';
}

/** `TAGS = ('a', 'b')`. */
export interface TagsOption extends NodeBase {
  kind: 'tags_option';
  tags: string[];
}

/** `WRITE_MODE = 'append' | 'overwrite'`. */
export interface WriteModeOption extends NodeBase {
  kind: 'write_mode_option';
  value: 'append' | 'overwrite';
}

/** `EXTENDED_STATS = 'all' | 'none'`. */
export interface ExtendedStatsOption extends NodeBase {
  kind: 'extended_stats_option';
  value: 'all' | 'none';
}

/** `PARTITIONED_BY = event_timestamp DAY, "a"."b" MONTH`. */
export interface PartitionedByOption extends NodeBase {
  kind: 'partitioned_by_option';
  partitions: PartitionSpec[];
}

export interface PartitionSpec extends NodeBase {
  kind: 'partition_spec';
  /** Column path, e.g. `["timestamp_object", "day"]`. */
  column: Identifier[];
  /** `null` when no transform is given (partition by the raw value). */
  granularity: 'DAY' | 'MONTH' | 'YEAR' | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------------------------

/**
 * A full query expression: `[WITH ...] body [ORDER BY ...] [LIMIT ...]`.
 * ORDER BY and LIMIT sit here (not on the select core) because they apply to a whole set operation.
 */
export interface Query extends NodeBase {
  kind: 'query';
  with: WithClause | null;
  body: QueryBody;
  orderBy: OrderItem[];
  limit: LimitClause | null;
}

/** A select core, a set operation, or a parenthesised `Query`. */
export type QueryBody = SelectCore | SetOperation | Query;

/** `WITH a AS (...), b (x, y) AS (...)`. */
export interface WithClause extends NodeBase {
  kind: 'with';
  ctes: Cte[];
}

export interface Cte extends NodeBase {
  kind: 'cte';
  name: Identifier;
  /** Optional column list `name (a, b) AS (...)`; empty when absent. */
  columns: Identifier[];
  query: Query;
}

/** `left UNION [ALL] right`, `INTERSECT`, `EXCEPT`. INTERSECT binds tighter than UNION and EXCEPT. */
export interface SetOperation extends NodeBase {
  kind: 'set_operation';
  op: 'UNION' | 'INTERSECT' | 'EXCEPT';
  all: boolean;
  left: QueryBody;
  right: QueryBody;
}

/** `SELECT [DISTINCT] ... [FROM] [WHERE] [GROUP BY] [HAVING] [QUALIFY] [WINDOW]`. */
export interface SelectCore extends NodeBase {
  kind: 'select_core';
  distinct: boolean;
  projections: SelectItem[];
  from: FromItem | null;
  where: Expr | null;
  groupBy: Expr[];
  having: Expr | null;
  qualify: Expr | null;
  /** `WINDOW w AS (...)` definitions; empty when absent. */
  windows: NamedWindow[];
}

/** `expr [AS alias]`. `SELECT *` and `t.*` do not parse in NQL. */
export interface SelectItem extends NodeBase {
  kind: 'select_item';
  expr: Expr;
  alias: Identifier | null;
}

/** `expr [ASC|DESC] [NULLS FIRST|LAST]`; unspecified parts are `null` so dialects can apply their defaults. */
export interface OrderItem extends NodeBase {
  kind: 'order_item';
  expr: Expr;
  direction: 'ASC' | 'DESC' | null;
  nulls: 'FIRST' | 'LAST' | null;
}

/** `LIMIT n [OFFSET m] [ROWS]`. */
export interface LimitClause extends NodeBase {
  kind: 'limit';
  count: IntegerLiteral;
  offset: IntegerLiteral | null;
  /** Whether the NQL `ROWS` suffix was written (it does not change the meaning). */
  rows: boolean;
}

/** `WINDOW name AS (spec)`. */
export interface NamedWindow extends NodeBase {
  kind: 'named_window';
  name: Identifier;
  spec: WindowSpec;
}

// --- FROM ---------------------------------------------------------------------------------------------------------

export type FromItem = TableRef | SubqueryRef | DeltaRef | UnnestRef | Join;

/** A dataset, access rule, CTE or other table by path: `company_data."6402"`, `narrative.rosetta_stone`, `cte`. */
export interface TableRef extends NodeBase {
  kind: 'table_ref';
  path: Identifier[];
  alias: Identifier | null;
}

/** `(query) [AS] alias`. */
export interface SubqueryRef extends NodeBase {
  kind: 'subquery_ref';
  query: Query;
  alias: Identifier | null;
}

/** `DELTA(TABLE t)` or `DELTA((query))`: only rows changed since the view's last run. */
export interface DeltaRef extends NodeBase {
  kind: 'delta_ref';
  /** A `TableRef` here always has `alias: null`; the alias of the whole item is `alias`. */
  source: TableRef | Query;
  alias: Identifier | null;
}

/**
 * `UNNEST(array) [WITH ORDINALITY] [AS] alias [(element [, ordinality])]`: one row per element of
 * the array. Lateral: after a comma or CROSS JOIN the array may name columns of the relations to its
 * left (the analyzer refuses UNNEST anywhere else).
 */
export interface UnnestRef extends NodeBase {
  kind: 'unnest_ref';
  expr: Expr;
  ordinality: boolean;
  alias: Identifier | null;
  /** The column alias list `u(tag)` / `u(tag, n)`; empty when absent. */
  columns: Identifier[];
}

/**
 * `left [INNER|LEFT|RIGHT|FULL|CROSS] JOIN right [ON expr | USING (cols)]`, or `left, right` (`COMMA`,
 * Calcite's JoinType.COMMA: a cross join written with a comma). Joins nest left-deep. A comma binds
 * looser than JOIN and only joins the top-level items of FROM, so `a, b JOIN c ON ...` is
 * `COMMA(a, JOIN(b, c))`, and a `COMMA` never sits inside another join's operand.
 */
export interface Join extends NodeBase {
  kind: 'join';
  type: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS' | 'COMMA';
  left: FromItem;
  right: FromItem;
  /** `null` exactly for CROSS JOIN and COMMA. */
  condition: JoinOn | JoinUsing | null;
}

export interface JoinOn extends NodeBase {
  kind: 'join_on';
  expr: Expr;
}

export interface JoinUsing extends NodeBase {
  kind: 'join_using';
  columns: Identifier[];
}

// ---------------------------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------------------------

export type Expr =
  | ColumnRef
  | FieldAccess
  | Subscript
  | StringLiteral
  | IntegerLiteral
  | DecimalLiteral
  | FloatLiteral
  | BooleanLiteral
  | NullLiteral
  | TypedLiteral
  | IntervalLiteral
  | UnaryExpr
  | BinaryExpr
  | BetweenExpr
  | InListExpr
  | InSubqueryExpr
  | LikeExpr
  | IsNullExpr
  | IsBoolExpr
  | IsDistinctFromExpr
  | ExistsExpr
  | SubqueryExpr
  | CaseExpr
  | CastExpr
  | ExtractExpr
  | FunctionCall
  | NiladicCall;

/**
 * A dotted name path, unresolved: `mobile_id`, `"a"."b"."c"`, `t.a.b`, `company_data."1".nested.deep`.
 * Always at least one part.
 */
export interface ColumnRef extends NodeBase {
  kind: 'column_ref';
  parts: Identifier[];
}

/** `.field` after something that is not a plain name path: `identifiers[0].type`, `f(x).a`. */
export interface FieldAccess extends NodeBase {
  kind: 'field_access';
  base: Expr;
  field: Identifier;
}

/** `base[index]`: map/struct key access `x['k']` or array index `x[0]`. */
export interface Subscript extends NodeBase {
  kind: 'subscript';
  base: Expr;
  index: Expr;
}

/** `'text'`; `value` is unescaped (`''` -> `'`). */
export interface StringLiteral extends NodeBase {
  kind: 'string_literal';
  value: string;
}

/** `42`; source digits, never negative (a minus sign is a `unary` node). */
export interface IntegerLiteral extends NodeBase {
  kind: 'integer_literal';
  value: string;
}

/** `10.00`, `.5`; exact numeric, source text kept so scale is preserved. */
export interface DecimalLiteral extends NodeBase {
  kind: 'decimal_literal';
  value: string;
}

/** `1e5`, `1.5E-3`; approximate numeric (DOUBLE). `value` is the source text with `e` lower-cased. */
export interface FloatLiteral extends NodeBase {
  kind: 'float_literal';
  value: string;
}

export interface BooleanLiteral extends NodeBase {
  kind: 'boolean_literal';
  value: boolean;
}

export interface NullLiteral extends NodeBase {
  kind: 'null_literal';
}

/** `DATE '2024-01-01'`, `TIME '10:00:00'`, `TIMESTAMP '2024-01-01 10:00:00'`. `value` is the unescaped string. */
export interface TypedLiteral extends NodeBase {
  kind: 'typed_literal';
  type: 'DATE' | 'TIME' | 'TIMESTAMP';
  value: string;
}

export type IntervalUnit = 'YEAR' | 'MONTH' | 'WEEK' | 'DAY' | 'HOUR' | 'MINUTE' | 'SECOND';

/**
 * `INTERVAL '1' DAY`, `INTERVAL 3 HOUR`, `INTERVAL '1-2' YEAR TO MONTH`, `INTERVAL '1 day'`.
 * Plural units (`DAYS`) are normalised to the singular.
 */
export interface IntervalLiteral extends NodeBase {
  kind: 'interval_literal';
  value: string;
  unit: IntervalUnit | null;
  /** The `TO unit` of a range interval; `null` otherwise. */
  toUnit: IntervalUnit | null;
}

/** `-x`, `+x`, `NOT x`. */
export interface UnaryExpr extends NodeBase {
  kind: 'unary';
  op: '-' | '+' | 'NOT';
  operand: Expr;
}

/** `!=` is normalised to `<>`. */
export type BinaryOp =
  | 'OR'
  | 'AND'
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | '+'
  | '-'
  | '||'
  | '*'
  | '/'
  | '%';

export interface BinaryExpr extends NodeBase {
  kind: 'binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
}

/** `expr [NOT] BETWEEN low AND high`. */
export interface BetweenExpr extends NodeBase {
  kind: 'between';
  expr: Expr;
  low: Expr;
  high: Expr;
  negated: boolean;
}

/** `expr [NOT] IN (a, b, ...)`; `list` is never empty. */
export interface InListExpr extends NodeBase {
  kind: 'in_list';
  expr: Expr;
  list: Expr[];
  negated: boolean;
}

/** `expr [NOT] IN (SELECT ...)`. */
export interface InSubqueryExpr extends NodeBase {
  kind: 'in_subquery';
  expr: Expr;
  query: Query;
  negated: boolean;
}

/** `expr [NOT] LIKE|ILIKE pattern [ESCAPE 'c']`. */
export interface LikeExpr extends NodeBase {
  kind: 'like';
  op: 'LIKE' | 'ILIKE';
  expr: Expr;
  pattern: Expr;
  escape: Expr | null;
  negated: boolean;
}

/** `expr IS [NOT] NULL`. */
export interface IsNullExpr extends NodeBase {
  kind: 'is_null';
  expr: Expr;
  negated: boolean;
}

/** `expr IS [NOT] TRUE|FALSE`. */
export interface IsBoolExpr extends NodeBase {
  kind: 'is_bool';
  expr: Expr;
  value: boolean;
  negated: boolean;
}

/** `left IS [NOT] DISTINCT FROM right`. */
export interface IsDistinctFromExpr extends NodeBase {
  kind: 'is_distinct_from';
  left: Expr;
  right: Expr;
  negated: boolean;
}

/** `EXISTS (query)`; `NOT EXISTS` is a `unary` NOT around it. */
export interface ExistsExpr extends NodeBase {
  kind: 'exists';
  query: Query;
}

/** A scalar subquery `(SELECT ...)` used as a value. */
export interface SubqueryExpr extends NodeBase {
  kind: 'subquery';
  query: Query;
}

/** Simple (`CASE x WHEN 1 THEN ...`, `operand` set) or searched (`CASE WHEN cond THEN ...`, `operand` null). */
export interface CaseExpr extends NodeBase {
  kind: 'case';
  operand: Expr | null;
  /** Never empty. */
  whens: WhenClause[];
  else: Expr | null;
}

export interface WhenClause extends NodeBase {
  kind: 'when';
  /** The condition (searched CASE) or the value compared with the operand (simple CASE). */
  condition: Expr;
  result: Expr;
}

/** `CAST(expr AS type)`; `expr::type` parses to the same node. */
export interface CastExpr extends NodeBase {
  kind: 'cast';
  expr: Expr;
  type: TypeSpec;
}

/** Field names accepted by EXTRACT, upper-cased. */
export type ExtractField =
  | 'YEAR'
  | 'QUARTER'
  | 'MONTH'
  | 'WEEK'
  | 'DAY'
  | 'DAYOFWEEK'
  | 'DOW'
  | 'DAYOFYEAR'
  | 'DOY'
  | 'HOUR'
  | 'MINUTE'
  | 'SECOND'
  | 'MILLISECOND'
  | 'MICROSECOND'
  | 'EPOCH';

/** `EXTRACT(field FROM expr)`. */
export interface ExtractExpr extends NodeBase {
  kind: 'extract';
  field: ExtractField;
  expr: Expr;
}

/**
 * `name([DISTINCT] args) [FILTER (WHERE cond)] [OVER (...) | OVER w]`.
 * `COUNT(1)` is a call with one integer argument; `COUNT(*)` does not parse in NQL.
 * Whether `name` is an aggregate is for the function catalogue to say, not the parser.
 */
export interface FunctionCall extends NodeBase {
  kind: 'function_call';
  /** Written case kept; compare case-insensitively. */
  name: Identifier;
  args: Expr[];
  distinct: boolean;
  filter: Expr | null;
  over: WindowSpec | WindowRef | null;
}

/** `CURRENT_DATE`, `CURRENT_TIME`, `CURRENT_TIMESTAMP` written without parentheses. */
export interface NiladicCall extends NodeBase {
  kind: 'niladic_call';
  name: 'CURRENT_DATE' | 'CURRENT_TIME' | 'CURRENT_TIMESTAMP';
}

// --- Windows ------------------------------------------------------------------------------------------------------

/** `OVER w`. */
export interface WindowRef extends NodeBase {
  kind: 'window_ref';
  name: Identifier;
}

/** `([base] [PARTITION BY ...] [ORDER BY ...] [frame])`. */
export interface WindowSpec extends NodeBase {
  kind: 'window_spec';
  /** A named window this one extends: `OVER (w ORDER BY x)`. */
  base: Identifier | null;
  partitionBy: Expr[];
  orderBy: OrderItem[];
  frame: WindowFrame | null;
}

/** `ROWS|RANGE start` or `ROWS|RANGE BETWEEN start AND end`. */
export interface WindowFrame extends NodeBase {
  kind: 'window_frame';
  unit: 'ROWS' | 'RANGE';
  start: FrameBound;
  /** `null` for the single-bound form (`ROWS UNBOUNDED PRECEDING`), which ends at CURRENT ROW. */
  end: FrameBound | null;
}

export type FrameBound = UnboundedPreceding | Preceding | CurrentRow | Following | UnboundedFollowing;

export interface UnboundedPreceding extends NodeBase {
  kind: 'unbounded_preceding';
}
/** `n PRECEDING`. */
export interface Preceding extends NodeBase {
  kind: 'preceding';
  offset: Expr;
}
export interface CurrentRow extends NodeBase {
  kind: 'current_row';
}
/** `n FOLLOWING`. */
export interface Following extends NodeBase {
  kind: 'following';
  offset: Expr;
}
export interface UnboundedFollowing extends NodeBase {
  kind: 'unbounded_following';
}

// --- Types --------------------------------------------------------------------------------------------------------

export type TypeSpec = NamedType | ArrayType | MapType | StructType;

/** `BIGINT`, `VARCHAR(20)`, `DECIMAL(10, 2)`. `name` is upper-cased; `params` are source digits. */
export interface NamedType extends NodeBase {
  kind: 'named_type';
  name: string;
  params: string[];
}

/** `ARRAY<element>`. */
export interface ArrayType extends NodeBase {
  kind: 'array_type';
  element: TypeSpec;
}

/** `MAP<key, value>`. */
export interface MapType extends NodeBase {
  kind: 'map_type';
  key: TypeSpec;
  value: TypeSpec;
}

/** `STRUCT<name: type, ...>` (the colon is optional on input). */
export interface StructType extends NodeBase {
  kind: 'struct_type';
  fields: StructField[];
}

export interface StructField extends NodeBase {
  kind: 'struct_field';
  name: Identifier;
  type: TypeSpec;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/** Every node type, for generic walkers. */
export type Node =
  | Statement
  | Budget
  | CmvOption
  | PartitionSpec
  | Query
  | QueryBody
  | WithClause
  | Cte
  | SelectItem
  | OrderItem
  | LimitClause
  | NamedWindow
  | FromItem
  | JoinOn
  | JoinUsing
  | Expr
  | WhenClause
  | WindowRef
  | WindowSpec
  | WindowFrame
  | FrameBound
  | TypeSpec
  | StructField
  | Identifier;

export type NodeKind = Node['kind'];

/** `T` with every `span` removed, recursively: the shape tests compare. */
export type WithoutSpans<T> = T extends readonly (infer E)[]
  ? WithoutSpans<E>[]
  : T extends object
    ? { [K in keyof T as K extends 'span' ? never : K]: WithoutSpans<T[K]> }
    : T;

/**
 * A deep copy of `node` without `span` fields, for structural comparison (tests, round trips).
 * Recursive: parser output is bounded by the parser's nesting limit, so the stack is safe.
 */
export function stripSpans<T>(node: T): WithoutSpans<T> {
  return strip(node) as WithoutSpans<T>;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key !== 'span') out[key] = strip(child);
  }
  return out;
}
