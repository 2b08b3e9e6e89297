import fc from 'fast-check';
import type {
  BinaryOp,
  Budget,
  CmvOption,
  Expr,
  ExtractField,
  FrameBound,
  FromItem,
  Identifier,
  IntervalUnit,
  OrderItem,
  Query,
  QueryBody,
  SelectCore,
  Statement,
  TypeSpec,
  WindowSpec,
  WithoutSpans,
} from '../../src/nql/index.js';

/**
 * Hand-built fast-check arbitraries for span-free NQL ASTs, used by the print/parse round trip.
 *
 * They generate only *canonical* trees, i.e. shapes the parser can produce. The few non-canonical shapes are
 * listed where they are avoided: `!=` (parsed as `<>`), a scalar/IN subquery whose query is nothing but another
 * parenthesised query (`((SELECT 1))` reads back as one level), set operations nested on the wrong side of their
 * precedence, and keyword-like unquoted names that would read back as syntax.
 */

type N<T> = WithoutSpans<T>;

// --- names ----------------------------------------------------------------------------------------------------------

/** Unquoted names that are never syntax where the printer puts them (no reserved or contextual keywords). */
const PLAIN_NAMES = [
  'a',
  'b',
  'c',
  'x',
  'y',
  't1',
  'mobile_id',
  'latitude',
  'event_timestamp',
  'day',
  'hour',
  'minute',
  'month',
  'year',
  '_price_cpm_usd',
  'Geo',
  'caf\u00e9',
  'value2',
  'is_continuous',
];

const quotedText = fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme' });

export const identifier: fc.Arbitrary<N<Identifier>> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PLAIN_NAMES).map((value) => ({ kind: 'identifier' as const, value, quoted: false })) },
  { weight: 1, arbitrary: quotedText.map((value) => ({ kind: 'identifier' as const, value, quoted: true })) },
);

/** Names that must be slugs (view names). */
const slugIdentifier: fc.Arbitrary<N<Identifier>> = fc
  .tuple(fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/), fc.boolean())
  .filter(([value, quoted]) => quoted || PLAIN_NAMES.includes(value) || /^v_/.test(value))
  .map(([value, quoted]) => ({ kind: 'identifier' as const, value, quoted }));

/** Null half of the time (fc.option's default is one time in five), to keep generated trees small. */
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arb, { freq: 2 });

const path = (max: number) => fc.array(identifier, { minLength: 1, maxLength: max });

// --- literals -------------------------------------------------------------------------------------------------------

const digits = fc.stringMatching(/^[0-9]{1,6}$/);

const literal: fc.Arbitrary<N<Expr>> = fc.oneof(
  digits.map((value) => ({ kind: 'integer_literal' as const, value })),
  fc.stringMatching(/^([0-9]{1,3}\.[0-9]{0,3}|\.[0-9]{1,3})$/).map((value) => ({ kind: 'decimal_literal' as const, value })),
  fc.stringMatching(/^[0-9]{1,3}(\.[0-9]{1,2})?e[+-]?[0-9]{1,2}$/).map((value) => ({ kind: 'float_literal' as const, value })),
  fc.string({ maxLength: 10, unit: 'grapheme' }).map((value) => ({ kind: 'string_literal' as const, value })),
  fc.boolean().map((value) => ({ kind: 'boolean_literal' as const, value })),
  fc.constant({ kind: 'null_literal' as const }),
  fc.record({
    kind: fc.constant('typed_literal' as const),
    type: fc.constantFrom('DATE' as const, 'TIME' as const, 'TIMESTAMP' as const),
    value: fc.string({ maxLength: 12 }),
  }),
  fc
    .record({
      value: fc.string({ maxLength: 6 }),
      unit: fc.constantFrom<IntervalUnit | null>(null, 'YEAR', 'MONTH', 'WEEK', 'DAY', 'HOUR', 'MINUTE', 'SECOND'),
      toUnit: fc.constantFrom<IntervalUnit | null>(null, 'MONTH', 'SECOND'),
    })
    .map(({ value, unit, toUnit }) => ({
      kind: 'interval_literal' as const,
      value,
      unit,
      toUnit: unit ? toUnit : null,
    })),
  fc.constantFrom('CURRENT_DATE' as const, 'CURRENT_TIME' as const, 'CURRENT_TIMESTAMP' as const).map((name) => ({
    kind: 'niladic_call' as const,
    name,
  })),
);

const BINARY_OPS: BinaryOp[] = ['OR', 'AND', '=', '<>', '<', '<=', '>', '>=', '+', '-', '||', '*', '/', '%'];
const EXTRACT_FIELDS: ExtractField[] = ['YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND', 'DOW', 'EPOCH'];

// --- types ----------------------------------------------------------------------------------------------------------

const typeSpec: fc.Arbitrary<N<TypeSpec>> = fc.letrec<{ type: N<TypeSpec> }>((tie) => ({
  type: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    fc.record({
      kind: fc.constant('named_type' as const),
      name: fc.constantFrom('STRING', 'BIGINT', 'DOUBLE', 'BOOLEAN', 'DATE', 'TIMESTAMP', 'LONG'),
      params: fc.constant([] as string[]),
    }),
    fc.record({
      kind: fc.constant('named_type' as const),
      name: fc.constantFrom('DECIMAL', 'VARCHAR'),
      params: fc.array(digits, { minLength: 1, maxLength: 2 }),
    }),
    fc.record({ kind: fc.constant('array_type' as const), element: tie('type') }),
    fc.record({ kind: fc.constant('map_type' as const), key: tie('type'), value: tie('type') }),
    fc.record({
      kind: fc.constant('struct_type' as const),
      fields: fc.array(fc.record({ kind: fc.constant('struct_field' as const), name: identifier, type: tie('type') }), {
        minLength: 1,
        maxLength: 3,
      }),
    }),
  ),
})).type;

// --- expressions and queries (mutually recursive) -------------------------------------------------------------------

// A type alias, not an interface: fc.letrec's typed overload needs an index-compatible record type.
type Tree = {
  expr: N<Expr>;
  query: N<Query>;
  /** A query usable inside `(...)` as a scalar or IN subquery: not a bare parenthesised query. */
  subquery: N<Query>;
  bodyAny: N<QueryBody>;
  bodyIntersect: N<QueryBody>;
  bodyAtom: N<QueryBody>;
  core: N<SelectCore>;
  /** The top level of FROM: join chains, possibly separated by commas. */
  fromList: N<FromItem>;
  from: N<FromItem>;
  fromPrimary: N<FromItem>;
  windowSpec: N<WindowSpec>;
};

const orderItems = (expr: fc.Arbitrary<N<Expr>>, max: number): fc.Arbitrary<N<OrderItem>[]> =>
  fc.array(
    fc.record({
      kind: fc.constant('order_item' as const),
      expr,
      direction: fc.constantFrom<'ASC' | 'DESC' | null>(null, 'ASC', 'DESC'),
      nulls: fc.constantFrom<'FIRST' | 'LAST' | null>(null, 'FIRST', 'LAST'),
    }),
    { maxLength: max },
  );

const frameBound = (expr: fc.Arbitrary<N<Expr>>): fc.Arbitrary<N<FrameBound>> =>
  fc.oneof(
    fc.constant({ kind: 'unbounded_preceding' as const }),
    fc.constant({ kind: 'unbounded_following' as const }),
    fc.constant({ kind: 'current_row' as const }),
    fc.record({ kind: fc.constant('preceding' as const), offset: expr }),
    fc.record({ kind: fc.constant('following' as const), offset: expr }),
  );

const limitClause = fc.option(
  fc.record({
    kind: fc.constant('limit' as const),
    count: digits.map((value) => ({ kind: 'integer_literal' as const, value })),
    offset: fc.option(digits.map((value) => ({ kind: 'integer_literal' as const, value }))),
    rows: fc.boolean(),
  }),
);

function isBareWrapper(q: N<Query>): boolean {
  return q.body.kind === 'query' && q.with === null && q.orderBy.length === 0 && q.limit === null;
}

/**
 * In expression position, parentheses around a subquery are dropped (`((SELECT 1))` is one scalar subquery), while
 * in query position each level is a nested Query. A subquery whose query is a bare parenthesised query, or whose
 * leftmost set operand is one, therefore prints to text that reads back with one level fewer.
 */
function collapsesInExpression(q: N<Query>): boolean {
  if (isBareWrapper(q)) return true;
  if (q.with !== null) return false;
  let body: N<QueryBody> = q.body;
  while (body.kind === 'set_operation') body = body.left;
  return body.kind === 'query' && isBareWrapper(body);
}

/**
 * One depth budget shared by every recursive choice (expressions, queries, FROM items), so that the mutual recursion
 * expr -> subquery -> query -> expr stays small: trees of a few hundred nodes, a few ms per run.
 */
const depth = fc.createDepthIdentifier();
const MAX_DEPTH = 4;

const tree = fc.letrec<Tree>((tie) => {
  const expr = tie('expr');
  const small = (max: number) => fc.array(expr, { minLength: 1, maxLength: max });
  return {
    expr: fc.oneof(
      { depthSize: 'small', maxDepth: MAX_DEPTH, depthIdentifier: depth, withCrossShrink: true },
      { weight: 6, arbitrary: literal },
      { weight: 6, arbitrary: path(3).map((parts) => ({ kind: 'column_ref' as const, parts })) },
      fc.record({ kind: fc.constant('unary' as const), op: fc.constantFrom('-' as const, '+' as const, 'NOT' as const), operand: expr }),
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('binary' as const), op: fc.constantFrom(...BINARY_OPS), left: expr, right: expr }) },
      fc.record({ kind: fc.constant('between' as const), expr, low: expr, high: expr, negated: fc.boolean() }),
      fc.record({ kind: fc.constant('in_list' as const), expr, list: small(2), negated: fc.boolean() }),
      fc.record({ kind: fc.constant('in_subquery' as const), expr, query: tie('subquery'), negated: fc.boolean() }),
      fc.record({
        kind: fc.constant('like' as const),
        op: fc.constantFrom('LIKE' as const, 'ILIKE' as const),
        expr,
        pattern: expr,
        escape: maybe(expr),
        negated: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('is_null' as const), expr, negated: fc.boolean() }),
      fc.record({ kind: fc.constant('is_bool' as const), expr, value: fc.boolean(), negated: fc.boolean() }),
      fc.record({ kind: fc.constant('is_distinct_from' as const), left: expr, right: expr, negated: fc.boolean() }),
      fc.record({ kind: fc.constant('exists' as const), query: tie('query') }),
      fc.record({ kind: fc.constant('subquery' as const), query: tie('subquery') }),
      fc.record({
        kind: fc.constant('case' as const),
        operand: maybe(expr),
        whens: fc.array(fc.record({ kind: fc.constant('when' as const), condition: expr, result: expr }), {
          minLength: 1,
          maxLength: 2,
        }),
        else: maybe(expr),
      }),
      fc.record({ kind: fc.constant('cast' as const), expr, type: typeSpec }),
      fc.record({ kind: fc.constant('extract' as const), field: fc.constantFrom(...EXTRACT_FIELDS), expr }),
      {
        weight: 2,
        arbitrary: fc
          .record({
            name: identifier,
            args: fc.array(expr, { maxLength: 3 }),
            distinct: fc.boolean(),
            filter: maybe(expr),
            over: maybe(
              fc.oneof(
                identifier.map((name) => ({ kind: 'window_ref' as const, name })),
                tie('windowSpec'),
              ),
            ),
          })
          .map((f) => ({ kind: 'function_call' as const, ...f, distinct: f.distinct && f.args.length > 0 })),
      },
      fc.record({ kind: fc.constant('field_access' as const), base: expr, field: identifier }),
      fc.record({ kind: fc.constant('subscript' as const), base: expr, index: expr }),
    ),
    windowSpec: fc.record({
      kind: fc.constant('window_spec' as const),
      base: fc.option(identifier),
      partitionBy: fc.array(expr, { maxLength: 2 }),
      orderBy: orderItems(expr, 2),
      frame: fc.option(
        fc.record({
          kind: fc.constant('window_frame' as const),
          unit: fc.constantFrom('ROWS' as const, 'RANGE' as const),
          start: frameBound(expr),
          end: fc.option(frameBound(expr)),
        }),
      ),
    }),
    query: fc.record({
      kind: fc.constant('query' as const),
      with: fc.option(
        fc.record({
          kind: fc.constant('with' as const),
          ctes: fc.array(
            fc.record({
              kind: fc.constant('cte' as const),
              name: identifier,
              columns: fc.array(identifier, { maxLength: 2 }),
              query: tie('query'),
            }),
            { minLength: 1, maxLength: 2 },
          ),
        }),
        { freq: 2 },
      ),
      body: tie('bodyAny'),
      orderBy: orderItems(expr, 2),
      limit: limitClause,
    }),
    subquery: tie('query').filter((q) => !collapsesInExpression(q)),
    // UNION/EXCEPT take any left operand and a tighter right operand; INTERSECT only tighter ones.
    bodyAny: fc.oneof(
      { depthSize: 'small', maxDepth: MAX_DEPTH, depthIdentifier: depth },
      { weight: 4, arbitrary: tie('bodyAtom') },
      fc.record({
        kind: fc.constant('set_operation' as const),
        op: fc.constantFrom('UNION' as const, 'EXCEPT' as const),
        all: fc.boolean(),
        left: tie('bodyAny'),
        right: tie('bodyIntersect'),
      }),
      tie('bodyIntersect'),
    ),
    bodyIntersect: fc.oneof(
      { depthSize: 'small', maxDepth: MAX_DEPTH, depthIdentifier: depth },
      { weight: 3, arbitrary: tie('bodyAtom') },
      fc.record({
        kind: fc.constant('set_operation' as const),
        op: fc.constant('INTERSECT' as const),
        all: fc.boolean(),
        left: tie('bodyIntersect'),
        right: tie('bodyAtom'),
      }),
    ),
    bodyAtom: fc.oneof({ depthSize: 'small', maxDepth: MAX_DEPTH, depthIdentifier: depth }, { weight: 5, arbitrary: tie('core') }, tie('query')),
    core: fc.record({
      kind: fc.constant('select_core' as const),
      distinct: fc.boolean(),
      projections: fc.array(fc.record({ kind: fc.constant('select_item' as const), expr, alias: maybe(identifier) }), {
        minLength: 1,
        maxLength: 2,
      }),
      from: fc.option(tie('fromList'), { freq: 6 }),
      where: maybe(expr),
      groupBy: fc.array(expr, { maxLength: 2 }),
      having: maybe(expr),
      qualify: maybe(expr),
      windows: fc.array(fc.record({ kind: fc.constant('named_window' as const), name: identifier, spec: tie('windowSpec') }), {
        maxLength: 1,
      }),
    }),
    // A comma only joins top-level items (its right side is a join chain): the parser builds no other shape.
    fromList: fc.oneof(
      { depthSize: 'small', maxDepth: MAX_DEPTH, depthIdentifier: depth },
      { weight: 3, arbitrary: tie('from') },
      fc.record({
        kind: fc.constant('join' as const),
        type: fc.constant('COMMA' as const),
        left: tie('fromList'),
        right: tie('from'),
        condition: fc.constant(null),
      }),
    ),
    from: fc.oneof(
      { depthSize: 'small', maxDepth: MAX_DEPTH, depthIdentifier: depth },
      { weight: 3, arbitrary: tie('fromPrimary') },
      fc
        .record({
          type: fc.constantFrom('INNER' as const, 'LEFT' as const, 'RIGHT' as const, 'FULL' as const, 'CROSS' as const),
          left: tie('from'),
          right: tie('from'),
          on: expr,
          using: fc.array(identifier, { minLength: 1, maxLength: 2 }),
          useUsing: fc.boolean(),
        })
        .map(({ type, left, right, on, using, useUsing }) => ({
          kind: 'join' as const,
          type,
          left,
          right,
          condition:
            type === 'CROSS'
              ? null
              : useUsing
                ? { kind: 'join_using' as const, columns: using }
                : { kind: 'join_on' as const, expr: on },
        })),
    ),
    fromPrimary: fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('table_ref' as const), path: path(3), alias: fc.option(identifier) }) },
      fc
        .record({ expr, ordinality: fc.boolean(), alias: fc.option(identifier), columns: fc.array(identifier, { maxLength: 2 }) })
        .map(({ expr: array, ordinality, alias, columns }) => ({
          kind: 'unnest_ref' as const,
          expr: array,
          ordinality,
          alias,
          // A column list is only written after an alias.
          columns: alias ? columns : [],
        })),
      fc.record({ kind: fc.constant('subquery_ref' as const), query: tie('query'), alias: fc.option(identifier) }),
      fc.record({
        kind: fc.constant('delta_ref' as const),
        source: fc.oneof(
          fc.record({ kind: fc.constant('table_ref' as const), path: path(2), alias: fc.constant(null) }),
          tie('query'),
        ),
        alias: fc.option(identifier),
      }),
    ),
  };
});

export const expr: fc.Arbitrary<N<Expr>> = tree.expr;
export const query: fc.Arbitrary<N<Query>> = tree.query;

// --- statements -----------------------------------------------------------------------------------------------------

const budget: fc.Arbitrary<N<Budget> | null> = fc.option(
  fc.oneof(
    fc.record({
      kind: fc.constant('budget_limit' as const),
      keyword: fc.constantFrom('BUDGET' as const, 'LIMIT' as const),
      amount: fc.stringMatching(/^[0-9]{1,4}(\.[0-9]{1,2})?$/),
      currency: fc.constant('USD' as const),
      period: fc.constantFrom<'CALENDAR_MONTH' | 'CALENDAR_DAY' | null>(null, 'CALENDAR_MONTH', 'CALENDAR_DAY'),
    }),
    fc.record({ kind: fc.constant('budget_unlimited' as const), form: fc.constantFrom('NO LIMIT' as const, 'LIMIT ALL' as const) }),
  ),
);

const anyText = fc.string({ maxLength: 12, unit: 'grapheme' });

const cmvOption: fc.Arbitrary<N<CmvOption>> = fc.oneof(
  fc.record({
    kind: fc.constant('refresh_schedule_option' as const),
    value: fc.constantFrom('@hourly', '@daily', '@weekly', '@monthly', '@once', '15 15 * * 1', '0 */2 * * MON-FRI'),
  }),
  fc.record({ kind: fc.constant('display_name_option' as const), value: anyText }),
  fc.record({ kind: fc.constant('description_option' as const), value: anyText }),
  fc.record({ kind: fc.constant('expire_option' as const), value: fc.constantFrom('P30D', 'P1Y2M', 'PT12H', 'retain_everything', 'expire_everything') }),
  fc.record({ kind: fc.constant('status_option' as const), value: fc.constantFrom('active' as const, 'updating' as const, 'draft' as const) }),
  fc.record({ kind: fc.constant('tags_option' as const), tags: fc.array(anyText, { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('write_mode_option' as const), value: fc.constantFrom('append' as const, 'overwrite' as const) }),
  fc.record({ kind: fc.constant('extended_stats_option' as const), value: fc.constantFrom('all' as const, 'none' as const) }),
  fc.record({
    kind: fc.constant('partitioned_by_option' as const),
    partitions: fc.array(
      fc.record({
        kind: fc.constant('partition_spec' as const),
        column: path(2),
        granularity: fc.constantFrom<'DAY' | 'MONTH' | 'YEAR' | null>(null, 'DAY', 'MONTH', 'YEAR'),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  }),
);

export const statement: fc.Arbitrary<N<Statement>> = fc.oneof(
  fc.record({ kind: fc.constant('select' as const), query, budget }),
  fc.record({ kind: fc.constant('explain' as const), query, budget }),
  fc.record({
    kind: fc.constant('create_materialized_view' as const),
    name: slugIdentifier,
    // One option of each kind at most: the parser rejects duplicates.
    options: fc.uniqueArray(cmvOption, { maxLength: 4, selector: (o) => o.kind }),
    query,
    budget,
  }),
);
