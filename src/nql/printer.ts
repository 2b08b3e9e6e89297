import type {
  Budget,
  CmvOption,
  Expr,
  FrameBound,
  FromItem,
  Identifier,
  LimitClause,
  OrderItem,
  Query,
  QueryBody,
  SelectCore,
  Statement,
  TypeSpec,
  WindowSpec,
} from './ast.js';
import { BINARY_PRECEDENCE, Prec, precedenceOf } from './precedence.js';

/**
 * Prints an AST back to canonical single-line NQL: keywords upper-case, one space between tokens, `AS` before every
 * alias, `<>` for not-equals, `CAST(x AS t)` for `x::t`, parentheses only where the precedence table needs them.
 * Identifiers keep their quoting. `parse(print(ast))` equals `ast` once spans are stripped.
 */
export function print(statement: Statement): string {
  switch (statement.kind) {
    case 'select':
      return withBudget(printQuery(statement.query), statement.budget);
    case 'explain':
      return withBudget(`EXPLAIN ${printQuery(statement.query)}`, statement.budget);
    case 'create_materialized_view': {
      const parts = [`CREATE MATERIALIZED VIEW ${printIdentifier(statement.name)}`];
      for (const option of statement.options) parts.push(printCmvOption(option));
      parts.push(`AS ${printQuery(statement.query)}`);
      return withBudget(parts.join(' '), statement.budget);
    }
  }
}

function withBudget(text: string, budget: Budget | null): string {
  return budget ? `${text} ${printBudget(budget)}` : text;
}

export function printBudget(budget: Budget): string {
  if (budget.kind === 'budget_unlimited') return budget.form;
  const period = budget.period ? ` PER ${budget.period}` : '';
  return `${budget.keyword} ${budget.amount} ${budget.currency}${period}`;
}

export function printCmvOption(option: CmvOption): string {
  switch (option.kind) {
    case 'refresh_schedule_option':
      return `REFRESH_SCHEDULE = ${printString(option.value)}`;
    case 'display_name_option':
      return `DISPLAY_NAME = ${printString(option.value)}`;
    case 'description_option':
      return `DESCRIPTION = ${printString(option.value)}`;
    case 'expire_option':
      return `EXPIRE = ${printString(option.value)}`;
    case 'status_option':
      return `STATUS = ${printString(option.value)}`;
    case 'tags_option':
      return `TAGS = (${option.tags.map(printString).join(', ')})`;
    case 'write_mode_option':
      return `WRITE_MODE = ${printString(option.value)}`;
    case 'extended_stats_option':
      return `EXTENDED_STATS = ${printString(option.value)}`;
    case 'partitioned_by_option': {
      const specs = option.partitions.map((s) => {
        const column = s.column.map(printIdentifier).join('.');
        return s.granularity ? `${column} ${s.granularity}` : column;
      });
      return `PARTITIONED_BY ${specs.join(', ')}`;
    }
  }
}

// --- queries ------------------------------------------------------------------------------------------------------

export function printQuery(query: Query): string {
  let text = '';
  if (query.with) {
    const ctes = query.with.ctes.map((cte) => {
      const columns = cte.columns.length ? ` (${cte.columns.map(printIdentifier).join(', ')})` : '';
      return `${printIdentifier(cte.name)}${columns} AS (${printQuery(cte.query)})`;
    });
    text += `WITH ${ctes.join(', ')} `;
  }
  text += printQueryBody(query.body, 0, false);
  if (query.orderBy.length) text += ` ORDER BY ${printOrderItems(query.orderBy)}`;
  if (query.limit) text += ` ${printLimit(query.limit)}`;
  return text;
}

function setPrecedence(body: QueryBody): number {
  if (body.kind !== 'set_operation') return 3;
  return body.op === 'INTERSECT' ? 2 : 1;
}

/** Prints a set-operation operand; a nested `Query` always keeps its parentheses. */
function printQueryBody(body: QueryBody, minPrec: number, isRight: boolean): string {
  switch (body.kind) {
    case 'query':
      return `(${printQuery(body)})`;
    case 'select_core':
      return printSelectCore(body);
    case 'set_operation': {
      const prec = setPrecedence(body);
      const own = `${printQueryBody(body.left, prec, false)} ${body.op}${body.all ? ' ALL' : ''} ${printQueryBody(body.right, prec, true)}`;
      // Shapes the parser never builds (a right operand that binds no tighter) still print as valid NQL.
      const needsParens = prec < minPrec || (isRight && prec === minPrec);
      return needsParens ? `(${own})` : own;
    }
  }
}

function printSelectCore(core: SelectCore): string {
  const items = core.projections.map((item) =>
    item.alias ? `${printExpr(item.expr)} AS ${printIdentifier(item.alias)}` : printExpr(item.expr),
  );
  let text = `SELECT ${core.distinct ? 'DISTINCT ' : ''}${items.join(', ')}`;
  if (core.from) text += ` FROM ${printFromItem(core.from, false)}`;
  if (core.where) text += ` WHERE ${printExpr(core.where)}`;
  if (core.groupBy.length) text += ` GROUP BY ${core.groupBy.map((e) => printExpr(e)).join(', ')}`;
  if (core.having) text += ` HAVING ${printExpr(core.having)}`;
  if (core.windows.length) {
    const defs = core.windows.map((w) => `${printIdentifier(w.name)} AS ${printWindowSpec(w.spec)}`);
    text += ` WINDOW ${defs.join(', ')}`;
  }
  if (core.qualify) text += ` QUALIFY ${printExpr(core.qualify)}`;
  return text;
}

export function printOrderItems(items: OrderItem[]): string {
  return items
    .map((item) => {
      let text = printExpr(item.expr);
      if (item.direction) text += ` ${item.direction}`;
      if (item.nulls) text += ` NULLS ${item.nulls}`;
      return text;
    })
    .join(', ');
}

function printLimit(limit: LimitClause): string {
  let text = `LIMIT ${limit.count.value}`;
  if (limit.offset) text += ` OFFSET ${limit.offset.value}`;
  if (limit.rows) text += ' ROWS';
  return text;
}

export function printFromItem(item: FromItem, nested: boolean): string {
  switch (item.kind) {
    case 'table_ref':
      return withAlias(item.path.map(printIdentifier).join('.'), item.alias);
    case 'subquery_ref':
      return withAlias(`(${printQuery(item.query)})`, item.alias);
    case 'delta_ref': {
      const source =
        item.source.kind === 'table_ref'
          ? `TABLE ${item.source.path.map(printIdentifier).join('.')}`
          : `(${printQuery(item.source)})`;
      return withAlias(`DELTA(${source})`, item.alias);
    }
    case 'unnest_ref': {
      let text = `UNNEST(${printExpr(item.expr)})${item.ordinality ? ' WITH ORDINALITY' : ''}`;
      if (item.alias) text += ` AS ${printIdentifier(item.alias)}`;
      if (item.alias && item.columns.length) text += `(${item.columns.map(printIdentifier).join(', ')})`;
      return text;
    }
    case 'join': {
      // A comma binds looser than JOIN, so its right side is a join chain printed as is.
      if (item.type === 'COMMA') return `${printFromItem(item.left, false)}, ${printFromItem(item.right, false)}`;
      const keyword = item.type === 'INNER' ? 'JOIN' : `${item.type} JOIN`;
      let text = `${printFromItem(item.left, false)} ${keyword} ${printFromItem(item.right, true)}`;
      if (item.condition?.kind === 'join_on') text += ` ON ${printExpr(item.condition.expr)}`;
      else if (item.condition) text += ` USING (${item.condition.columns.map(printIdentifier).join(', ')})`;
      // Joins nest left-deep; a join on the right side needs parentheses.
      return nested ? `(${text})` : text;
    }
  }
}

function withAlias(text: string, alias: Identifier | null): string {
  return alias ? `${text} AS ${printIdentifier(alias)}` : text;
}

// --- expressions --------------------------------------------------------------------------------------------------

/** Prints `expr`, parenthesised when it binds looser than `minPrec`. */
export function printExpr(expr: Expr, minPrec: Prec = Prec.Lowest): string {
  const text = printBareExpr(expr);
  return precedenceOf(expr) < minPrec ? `(${text})` : text;
}

function printBareExpr(e: Expr): string {
  switch (e.kind) {
    case 'column_ref':
      return e.parts.map(printIdentifier).join('.');
    case 'field_access': {
      // `(a.b).c` must keep its parentheses or it would read back as the path a.b.c; `(1).x` would lex as a number.
      const plainBase =
        e.base.kind !== 'column_ref' &&
        e.base.kind !== 'integer_literal' &&
        e.base.kind !== 'decimal_literal' &&
        e.base.kind !== 'float_literal';
      const base = plainBase ? printExpr(e.base, Prec.Postfix) : `(${printExpr(e.base)})`;
      return `${base}.${printIdentifier(e.field)}`;
    }
    case 'subscript':
      return `${printExpr(e.base, Prec.Postfix)}[${printExpr(e.index)}]`;
    case 'string_literal':
      return printString(e.value);
    case 'integer_literal':
    case 'decimal_literal':
    case 'float_literal':
      return e.value;
    case 'boolean_literal':
      return e.value ? 'TRUE' : 'FALSE';
    case 'null_literal':
      return 'NULL';
    case 'typed_literal':
      return `${e.type} ${printString(e.value)}`;
    case 'interval_literal': {
      let text = `INTERVAL ${printString(e.value)}`;
      if (e.unit) text += ` ${e.unit}`;
      if (e.toUnit) text += ` TO ${e.toUnit}`;
      return text;
    }
    case 'unary': {
      if (e.op === 'NOT') return `NOT ${printExpr(e.operand, Prec.Is)}`;
      const operand = printExpr(e.operand, Prec.Postfix);
      // `- -x` must not become the comment `--x`.
      return operand.startsWith('-') || operand.startsWith('+') ? `${e.op}(${operand})` : `${e.op}${operand}`;
    }
    case 'binary': {
      const prec = BINARY_PRECEDENCE[e.op];
      return `${printExpr(e.left, prec)} ${e.op} ${printExpr(e.right, prec + 1)}`;
    }
    case 'between':
      return `${printExpr(e.expr, Prec.Comparison)} ${e.negated ? 'NOT ' : ''}BETWEEN ${printExpr(e.low, Prec.Additive)} AND ${printExpr(e.high, Prec.Additive)}`;
    case 'in_list':
      return `${printExpr(e.expr, Prec.Comparison)} ${e.negated ? 'NOT ' : ''}IN (${e.list.map((x) => printExpr(x)).join(', ')})`;
    case 'in_subquery':
      return `${printExpr(e.expr, Prec.Comparison)} ${e.negated ? 'NOT ' : ''}IN (${printQuery(e.query)})`;
    case 'like': {
      const escape = e.escape ? ` ESCAPE ${printExpr(e.escape, Prec.Additive)}` : '';
      return `${printExpr(e.expr, Prec.Comparison)} ${e.negated ? 'NOT ' : ''}${e.op} ${printExpr(e.pattern, Prec.Additive)}${escape}`;
    }
    case 'is_null':
      return `${printExpr(e.expr, Prec.Is)} IS ${e.negated ? 'NOT ' : ''}NULL`;
    case 'is_bool':
      return `${printExpr(e.expr, Prec.Is)} IS ${e.negated ? 'NOT ' : ''}${e.value ? 'TRUE' : 'FALSE'}`;
    case 'is_distinct_from':
      return `${printExpr(e.left, Prec.Is)} IS ${e.negated ? 'NOT ' : ''}DISTINCT FROM ${printExpr(e.right, Prec.Comparison)}`;
    case 'exists':
      return `EXISTS (${printQuery(e.query)})`;
    case 'subquery':
      return `(${printQuery(e.query)})`;
    case 'case': {
      let text = 'CASE';
      if (e.operand) text += ` ${printExpr(e.operand)}`;
      for (const w of e.whens) text += ` WHEN ${printExpr(w.condition)} THEN ${printExpr(w.result)}`;
      if (e.else) text += ` ELSE ${printExpr(e.else)}`;
      return `${text} END`;
    }
    case 'cast':
      return `CAST(${printExpr(e.expr)} AS ${printType(e.type)})`;
    case 'extract':
      return `EXTRACT(${e.field} FROM ${printExpr(e.expr)})`;
    case 'function_call': {
      const args = e.args.map((a) => printExpr(a)).join(', ');
      let text = `${printIdentifier(e.name)}(${e.distinct ? 'DISTINCT ' : ''}${args})`;
      if (e.filter) text += ` FILTER (WHERE ${printExpr(e.filter)})`;
      if (e.over) text += ` OVER ${e.over.kind === 'window_ref' ? printIdentifier(e.over.name) : printWindowSpec(e.over)}`;
      return text;
    }
    case 'niladic_call':
      return e.name;
  }
}

export function printWindowSpec(spec: WindowSpec): string {
  const parts: string[] = [];
  if (spec.base) parts.push(printIdentifier(spec.base));
  if (spec.partitionBy.length) parts.push(`PARTITION BY ${spec.partitionBy.map((e) => printExpr(e)).join(', ')}`);
  if (spec.orderBy.length) parts.push(`ORDER BY ${printOrderItems(spec.orderBy)}`);
  if (spec.frame) {
    const f = spec.frame;
    parts.push(
      f.end
        ? `${f.unit} BETWEEN ${printFrameBound(f.start)} AND ${printFrameBound(f.end)}`
        : `${f.unit} ${printFrameBound(f.start)}`,
    );
  }
  return `(${parts.join(' ')})`;
}

function printFrameBound(bound: FrameBound): string {
  switch (bound.kind) {
    case 'unbounded_preceding':
      return 'UNBOUNDED PRECEDING';
    case 'unbounded_following':
      return 'UNBOUNDED FOLLOWING';
    case 'current_row':
      return 'CURRENT ROW';
    case 'preceding':
      return `${printExpr(bound.offset, Prec.Additive)} PRECEDING`;
    case 'following':
      return `${printExpr(bound.offset, Prec.Additive)} FOLLOWING`;
  }
}

export function printType(type: TypeSpec): string {
  switch (type.kind) {
    case 'named_type':
      return type.params.length ? `${type.name}(${type.params.join(', ')})` : type.name;
    case 'array_type':
      return `ARRAY<${printType(type.element)}>`;
    case 'map_type':
      return `MAP<${printType(type.key)}, ${printType(type.value)}>`;
    case 'struct_type':
      return `STRUCT<${type.fields.map((f) => `${printIdentifier(f.name)}: ${printType(f.type)}`).join(', ')}>`;
  }
}

export function printIdentifier(id: Identifier): string {
  return id.quoted ? `"${id.value.replace(/"/g, '""')}"` : id.value;
}

export function printString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
