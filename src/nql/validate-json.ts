import type {
  Expr,
  FrameBound,
  FromItem,
  Identifier,
  OrderItem,
  Query,
  QueryBody,
  SelectCore,
  Statement,
  TableRef,
  WindowSpec,
} from './ast.js';
import {
  print,
  printExpr,
  printFromItem,
  printIdentifier,
  printOrderItems,
  printQuery,
  printType,
  printWindowSpec,
} from './printer.js';

/**
 * The typed AST that `POST /nql/validate` returns (narrative-api.md §7.3). Every node has `type` and `nql`, the
 * canonical text of the node. Node types documented there (`select`, `binary_op`, `function`, `agg_function`,
 * `literal`, `as`, `case`, `join`, `window`, `table`, `column`, `ambiguous`, `create_materialized_view`, `explain`,
 * `operator`, `type_spec`) are used with their documented fields; everything else is `unknown` with only `nql`.
 * Field values not documented (e.g. the fields of `operator` and `case`) follow Calcite's names.
 */
export interface ValidateNode {
  type: string;
  nql: string;
  [field: string]: unknown;
}

export interface TableMetadata {
  id: number | string;
  name: string;
  table_type: string;
}

export interface ResolvedColumn {
  db: string | null;
  schema: string | null;
  table: string | null;
  column: string;
}

export interface ValidateJsonOptions {
  /** Catalog lookup for `table` metadata (dataset id and name); `null` metadata when absent or unresolved. */
  resolveTable?: (path: string[]) => TableMetadata | null | undefined;
  /** Resolves a multi-part name such as `t.col` to a column; unresolved multi-part names become `ambiguous`. */
  resolveColumn?: (parts: string[]) => ResolvedColumn | null | undefined;
  /** Whether a function is an aggregate (`agg_function`). Defaults to the standard SQL aggregates. */
  isAggregate?: (upperName: string) => boolean;
}

const DEFAULT_AGGREGATES: ReadonlySet<string> = new Set([
  'COUNT',
  'SUM',
  'AVG',
  'MIN',
  'MAX',
  'ANY_VALUE',
  'ARRAY_AGG',
  'COLLECT_LIST',
  'COLLECT_SET',
  'STDDEV',
  'STDDEV_POP',
  'STDDEV_SAMP',
  'VARIANCE',
  'VAR_POP',
  'VAR_SAMP',
  'APPROX_COUNT_DISTINCT',
  'BOOL_AND',
  'BOOL_OR',
  'EVERY',
]);

export function toValidateJson(statement: Statement, options: ValidateJsonOptions = {}): ValidateNode {
  return new ValidateJsonBuilder(options).statement(statement);
}

class ValidateJsonBuilder {
  private readonly isAggregate: (upperName: string) => boolean;

  constructor(private readonly options: ValidateJsonOptions) {
    this.isAggregate = options.isAggregate ?? ((name) => DEFAULT_AGGREGATES.has(name));
  }

  statement(s: Statement): ValidateNode {
    const nql = print(s);
    switch (s.kind) {
      case 'select':
        // The statement's text includes its budget, which has no node of its own.
        return { ...this.query(s.query), nql };
      case 'explain':
        return { type: 'explain', nql, query: this.query(s.query) };
      case 'create_materialized_view':
        return { type: 'create_materialized_view', nql, name: s.name.value, select: this.query(s.query) };
    }
  }

  query(q: Query): ValidateNode {
    if (q.body.kind === 'select_core') return this.select(q.body, q);
    if (!q.with && q.orderBy.length === 0 && !q.limit) return this.queryBody(q.body);
    return { type: 'unknown', nql: printQuery(q) };
  }

  private queryBody(body: QueryBody): ValidateNode {
    switch (body.kind) {
      case 'select_core':
        return this.select(body, null);
      case 'query':
        return this.query(body);
      case 'set_operation': {
        const name = body.all ? `${body.op} ALL` : body.op;
        const nql = printQuery({ kind: 'query', with: null, body, orderBy: [], limit: null, span: body.span });
        return { type: 'operator', nql, name, args: [this.queryBody(body.left), this.queryBody(body.right)] };
      }
    }
  }

  private select(core: SelectCore, q: Query | null): ValidateNode {
    const query: Query = q ?? { kind: 'query', with: null, body: core, orderBy: [], limit: null, span: core.span };
    return {
      type: 'select',
      nql: printQuery(query),
      columns: core.projections.map((item) => this.aliased(this.expr(item.expr), item.alias)),
      from: core.from ? this.fromItem(core.from) : null,
      group_by: core.groupBy.map((e) => this.expr(e)),
      having: core.having ? this.expr(core.having) : null,
      is_distinct: core.distinct,
      limit: query.limit ? this.expr(query.limit.count) : null,
      offset: query.limit?.offset ? this.expr(query.limit.offset) : null,
      order_by: query.orderBy.map((o) => this.orderItem(o)),
      qualify: core.qualify ? this.expr(core.qualify) : null,
      where: core.where ? this.expr(core.where) : null,
      windows: core.windows.map((w) => this.window(w.spec, w.name)),
      with: (query.with?.ctes ?? []).map((cte) => this.aliased(this.query(cte.query), cte.name)),
    };
  }

  private aliased(value: ValidateNode, alias: Identifier | null): ValidateNode {
    if (!alias) return value;
    return { type: 'as', nql: `${value.nql} AS ${printIdentifier(alias)}`, name: alias.value, value };
  }

  private orderItem(o: OrderItem): ValidateNode {
    const value = this.expr(o.expr);
    if (!o.direction && !o.nulls) return value;
    const name = [o.direction, o.nulls ? `NULLS ${o.nulls}` : null].filter(Boolean).join(' ');
    return { type: 'operator', nql: printOrderItems([o]), name, args: [value] };
  }

  private fromItem(item: FromItem): ValidateNode {
    switch (item.kind) {
      case 'table_ref':
        return this.aliased(this.table(item), item.alias);
      case 'subquery_ref':
        return this.aliased(this.query(item.query), item.alias);
      case 'delta_ref': {
        const source = item.source.kind === 'table_ref' ? this.table(item.source) : this.query(item.source);
        const nql = printFromItem({ ...item, alias: null }, false);
        return this.aliased({ type: 'function', nql, name: 'DELTA', args: [source] }, item.alias);
      }
      case 'unnest_ref': {
        const nql = printFromItem({ ...item, alias: null, columns: [] }, false);
        const call: ValidateNode = { type: 'function', nql, name: item.ordinality ? 'UNNEST WITH ORDINALITY' : 'UNNEST', args: [this.expr(item.expr)] };
        const aliased = this.aliased(call, item.alias);
        return item.columns.length ? { ...aliased, nql: printFromItem(item, false), columns: item.columns.map((c) => c.value) } : aliased;
      }
      case 'join': {
        const condition = item.condition;
        return {
          type: 'join',
          nql: printFromItem(item, false),
          join_type: item.type.toLowerCase(),
          condition_type: condition ? (condition.kind === 'join_on' ? 'on' : 'using') : 'none',
          left: this.fromItem(item.left),
          right: this.fromItem(item.right),
          condition: !condition
            ? null
            : condition.kind === 'join_on'
              ? this.expr(condition.expr)
              : condition.columns.map((c) => this.columnNode([c])),
        };
      }
    }
  }

  private table(t: TableRef): ValidateNode {
    const parts = t.path.map((p) => p.value);
    const nql = t.path.map(printIdentifier).join('.');
    if (parts.length > 3) return { type: 'ambiguous', nql, parts };
    const [db, schema, table] = [null, null, null, ...parts].slice(-3) as [string | null, string | null, string];
    const metadata = this.options.resolveTable?.(parts) ?? null;
    return { type: 'table', nql, db, schema, table, metadata };
  }

  private columnNode(path: Identifier[]): ValidateNode {
    const parts = path.map((p) => p.value);
    const nql = path.map(printIdentifier).join('.');
    const resolved =
      this.options.resolveColumn?.(parts) ??
      (parts.length === 1 ? { db: null, schema: null, table: null, column: parts[0] as string } : null);
    if (!resolved) return { type: 'ambiguous', nql, parts };
    return { type: 'column', nql, ...resolved, metadata: { column_type: 'column' } };
  }

  private literal(nql: string, type: string, value: unknown): ValidateNode {
    return { type: 'literal', nql, value_type: { type }, value };
  }

  private operator(nql: string, name: string, args: ValidateNode[]): ValidateNode {
    return { type: 'operator', nql, name, args };
  }

  expr(e: Expr): ValidateNode {
    const nql = printExpr(e);
    switch (e.kind) {
      case 'column_ref':
        return this.columnNode(e.parts);
      case 'field_access':
        return this.operator(nql, 'DOT', [this.expr(e.base), this.literal(e.field.value, 'SYMBOL', e.field.value)]);
      case 'subscript':
        return this.operator(nql, 'ITEM', [this.expr(e.base), this.expr(e.index)]);
      case 'string_literal':
        return this.literal(nql, 'CHAR', e.value);
      case 'integer_literal': {
        const n = Number(e.value);
        return this.literal(nql, Number.isSafeInteger(n) && Math.abs(n) <= 2147483647 ? 'INTEGER' : 'BIGINT', Number.isSafeInteger(n) ? n : e.value);
      }
      case 'decimal_literal':
        return this.literal(nql, 'DECIMAL', e.value);
      case 'float_literal':
        return this.literal(nql, 'DOUBLE', Number(e.value));
      case 'boolean_literal':
        return this.literal(nql, 'BOOLEAN', e.value);
      case 'null_literal':
        return this.literal(nql, 'NULL', null);
      case 'typed_literal':
        return this.literal(nql, e.type, e.value);
      case 'interval_literal': {
        const type = e.unit ? `INTERVAL_${e.unit}${e.toUnit ? `_${e.toUnit}` : ''}` : 'INTERVAL';
        return this.literal(nql, type, e.value);
      }
      case 'unary':
        return this.operator(nql, e.op, [this.expr(e.operand)]);
      case 'binary':
        return { type: 'binary_op', nql, name: e.op, left: this.expr(e.left), right: this.expr(e.right) };
      case 'between':
        return this.operator(nql, e.negated ? 'NOT BETWEEN' : 'BETWEEN', [
          this.expr(e.expr),
          this.expr(e.low),
          this.expr(e.high),
        ]);
      case 'in_list':
        return this.operator(nql, e.negated ? 'NOT IN' : 'IN', [this.expr(e.expr), ...e.list.map((x) => this.expr(x))]);
      case 'in_subquery':
        return this.operator(nql, e.negated ? 'NOT IN' : 'IN', [this.expr(e.expr), this.query(e.query)]);
      case 'like': {
        const args = [this.expr(e.expr), this.expr(e.pattern)];
        if (e.escape) args.push(this.expr(e.escape));
        return this.operator(nql, e.negated ? `NOT ${e.op}` : e.op, args);
      }
      case 'is_null':
        return this.operator(nql, e.negated ? 'IS NOT NULL' : 'IS NULL', [this.expr(e.expr)]);
      case 'is_bool':
        return this.operator(nql, `IS ${e.negated ? 'NOT ' : ''}${e.value ? 'TRUE' : 'FALSE'}`, [this.expr(e.expr)]);
      case 'is_distinct_from':
        return this.operator(nql, `IS ${e.negated ? 'NOT ' : ''}DISTINCT FROM`, [this.expr(e.left), this.expr(e.right)]);
      case 'exists':
        return this.operator(nql, 'EXISTS', [this.query(e.query)]);
      case 'subquery':
        return this.query(e.query);
      case 'case':
        return {
          type: 'case',
          nql,
          value: e.operand ? this.expr(e.operand) : null,
          when: e.whens.map((w) => this.expr(w.condition)),
          then: e.whens.map((w) => this.expr(w.result)),
          else: e.else ? this.expr(e.else) : null,
        };
      case 'cast':
        return {
          type: 'function',
          nql,
          name: 'CAST',
          args: [this.expr(e.expr), { type: 'type_spec', nql: printType(e.type), name: printType(e.type) }],
        };
      case 'extract':
        return { type: 'function', nql, name: 'EXTRACT', args: [this.literal(e.field, 'SYMBOL', e.field), this.expr(e.expr)] };
      case 'niladic_call':
        return { type: 'function', nql, name: e.name, args: [] };
      case 'function_call': {
        const name = e.name.value.toUpperCase();
        const args = e.args.map((a) => this.expr(a));
        const node: ValidateNode = this.isAggregate(name)
          ? { type: 'agg_function', nql, name, args, quantifier: e.distinct ? 'distinct' : 'all' }
          : { type: 'function', nql, name, args };
        if (e.filter) node['filter'] = this.expr(e.filter);
        if (e.over) {
          node['window'] =
            e.over.kind === 'window_ref'
              ? { type: 'window', nql: printIdentifier(e.over.name), name: e.over.name.value, partitions: [], order_by: [], lower_bound: null, upper_bound: null }
              : this.window(e.over, null);
        }
        return node;
      }
    }
  }

  private window(spec: WindowSpec, name: Identifier | null): ValidateNode {
    const frame = spec.frame;
    return {
      type: 'window',
      nql: printWindowSpec(spec),
      name: name?.value ?? spec.base?.value ?? null,
      partitions: spec.partitionBy.map((e) => this.expr(e)),
      order_by: spec.orderBy.map((o) => this.orderItem(o)),
      is_rows: frame ? frame.unit === 'ROWS' : null,
      lower_bound: frame ? this.bound(frame.start) : null,
      upper_bound: frame ? (frame.end ? this.bound(frame.end) : this.bound({ kind: 'current_row', span: frame.span })) : null,
    };
  }

  private bound(b: FrameBound): ValidateNode {
    switch (b.kind) {
      case 'unbounded_preceding':
        return this.literal('UNBOUNDED PRECEDING', 'SYMBOL', 'UNBOUNDED PRECEDING');
      case 'unbounded_following':
        return this.literal('UNBOUNDED FOLLOWING', 'SYMBOL', 'UNBOUNDED FOLLOWING');
      case 'current_row':
        return this.literal('CURRENT ROW', 'SYMBOL', 'CURRENT ROW');
      case 'preceding':
        return this.operator(`${printExpr(b.offset)} PRECEDING`, 'PRECEDING', [this.expr(b.offset)]);
      case 'following':
        return this.operator(`${printExpr(b.offset)} FOLLOWING`, 'FOLLOWING', [this.expr(b.offset)]);
    }
  }
}
