// GROUP BY validity, as Calcite checks it (SqlValidatorImpl / AggChecker): a select core is an
// aggregate query when it has GROUP BY or HAVING, or an aggregate call (not a window) in its select
// list, HAVING, QUALIFY or ORDER BY. Then every column those clauses read must be a group key, sit
// inside an aggregate's argument, or belong to an enclosing query (a constant per group). Group keys
// match structurally, after name resolution: `GROUP BY LOWER(e.city)` allows `UPPER(LOWER(city))`.
//
// Functional dependence: only nested attributes of a grouped value (`GROUP BY geo` allows
// `geo.city`, which Calcite, Spark and DuckDB all accept). Nothing else is inferred: datasets
// declare no keys, so grouping by an id does not make the other columns of its row groupable.
//
// Windows in an aggregate query are evaluated over the groups: their arguments, PARTITION BY and
// ORDER BY follow the same rule (`SUM(COUNT(x)) OVER ()` is fine, `SUM(x) OVER ()` needs x grouped).
// Subqueries in these clauses may only correlate on group keys.
import type { ColumnRef, Expr, FunctionCall, OrderItem, Query, SelectCore, WindowSpec } from '../ast.js';
import { printType } from '../printer.js';
import type { AnalysisContext } from './context.js';
import { detailAt } from './errors.js';
import type { Scope } from './scope.js';
import { quotePath } from './scope.js';
import { walk } from './walk.js';

/** Receives the sub-expressions of a node: an object made once per check, not a closure per node
 * (this runs over every expression of every grouped query). */
interface Visitor {
  visit(child: Expr): void;
}

/** Calls `v.visit` on each direct sub-expression of `e` (subqueries are not expressions of this query). */
function forEachChild(e: Expr, v: Visitor): void {
  switch (e.kind) {
    case 'field_access':
      return v.visit(e.base);
    case 'subscript':
      v.visit(e.base);
      return v.visit(e.index);
    case 'unary':
      return v.visit(e.operand);
    case 'binary':
    case 'is_distinct_from':
      v.visit(e.left);
      return v.visit(e.right);
    case 'between':
      v.visit(e.expr);
      v.visit(e.low);
      return v.visit(e.high);
    case 'in_list':
      v.visit(e.expr);
      for (const item of e.list) v.visit(item);
      return;
    case 'in_subquery':
    case 'is_null':
    case 'is_bool':
    case 'cast':
    case 'extract':
      return v.visit(e.expr);
    case 'like':
      v.visit(e.expr);
      v.visit(e.pattern);
      if (e.escape) v.visit(e.escape);
      return;
    case 'case':
      if (e.operand) v.visit(e.operand);
      for (const w of e.whens) {
        v.visit(w.condition);
        v.visit(w.result);
      }
      if (e.else) v.visit(e.else);
      return;
    case 'function_call':
      for (const a of e.args) v.visit(a);
      if (e.filter) v.visit(e.filter);
      if (e.over?.kind === 'window_spec') forEachWindowExpr(e.over, v);
      return;
    default:
      return;
  }
}

function forEachWindowExpr(spec: WindowSpec, v: Visitor): void {
  for (const e of spec.partitionBy) v.visit(e);
  for (const o of spec.orderBy) v.visit(o.expr);
}

/** Visits children with GroupingCheck.check (a class, so no closure is made per check). */
class CheckVisitor implements Visitor {
  constructor(private readonly owner: GroupingCheck) {}
  visit(child: Expr): void {
    this.owner.check(child);
  }
}

/** Sets `found` when a child holds an aggregate call of this query. */
class AggregateFinder implements Visitor {
  found = false;
  constructor(private readonly owner: GroupingCheck) {}
  visit(child: Expr): void {
    if (!this.found && this.owner.holdsAggregate(child, this)) this.found = true;
  }
}

class GroupingCheck {
  private readonly keys = new Set<string>();
  /** Fingerprints of non-name nodes, only needed (and made) when some key is not a plain column. */
  private readonly memo: Map<Expr, string> | null;
  private unique = 0;
  private readonly checker = new CheckVisitor(this);

  constructor(
    private readonly core: SelectCore,
    private readonly scope: Scope,
    private readonly ctx: AnalysisContext,
  ) {
    let onlyColumns = true;
    const keys: Expr[] = [];
    for (const key of core.groupBy) {
      const expr = this.keyExpr(key);
      if (expr.kind !== 'column_ref') onlyColumns = false;
      keys.push(expr);
    }
    this.memo = onlyColumns ? null : new Map();
    for (const key of keys) this.keys.add(this.fingerprint(key));
  }

  /** `GROUP BY 2` and `GROUP BY alias` stand for the select item's expression. */
  private keyExpr(key: Expr): Expr {
    if (key.kind === 'integer_literal') return this.core.projections[Number(key.value) - 1]?.expr ?? key;
    if (key.kind === 'column_ref') {
      const binding = this.ctx.bindings.columns.get(key);
      if (binding?.kind === 'alias') return binding.item.expr;
    }
    return key;
  }

  private isAggregate(call: FunctionCall): boolean {
    return call.over === null && this.ctx.bindings.calls.get(call)?.kind === 'aggregate';
  }

  /** Whether `e` holds an aggregate call of this query (not inside a subquery). */
  containsAggregate(e: Expr): boolean {
    return this.holdsAggregate(e, new AggregateFinder(this));
  }

  holdsAggregate(e: Expr, finder: AggregateFinder): boolean {
    if (e.kind === 'function_call' && this.isAggregate(e)) return true;
    forEachChild(e, finder);
    return finder.found;
  }

  /** A canonical text of what `e` computes, names resolved: equal texts mean the same value per row. */
  private fingerprint(e: Expr): string {
    if (!this.memo) return this.computeFingerprint(e);
    let fp = this.memo.get(e);
    if (fp === undefined) {
      fp = this.computeFingerprint(e);
      this.memo.set(e, fp);
    }
    return fp;
  }

  private list(items: readonly Expr[]): string {
    let text = '';
    for (const item of items) text += `${this.fingerprint(item)},`;
    return text;
  }

  private computeFingerprint(e: Expr): string {
    switch (e.kind) {
      case 'column_ref': {
        const b = this.ctx.bindings.columns.get(e);
        if (!b) return `?${this.unique++}`;
        switch (b.kind) {
          case 'column':
            return columnFingerprint(b.qualifier, b.column, b.path);
          case 'ordinality':
            return columnFingerprint(b.qualifier, b.column, []);
          case 'using':
            return columnFingerprint(b.qualifiers.join('\u0001'), b.column, b.path);
          case 'alias':
            return this.fingerprint(b.item.expr);
          case 'output':
            return `out\u0000${b.name}`;
          case 'price':
            return 'price';
        }
        return `?${this.unique++}`;
      }
      case 'field_access': {
        const name = this.ctx.bindings.fields.get(e);
        return name === undefined ? `?${this.unique++}` : `${this.fingerprint(e.base)}\u0000${name}`;
      }
      case 'subscript': {
        const sub = this.ctx.bindings.subscripts.get(e);
        const base = this.fingerprint(e.base);
        return sub?.kind === 'field' ? `${base}\u0000${sub.name}` : `${base}[${this.fingerprint(e.index)}]`;
      }
      case 'string_literal':
        return `s${JSON.stringify(e.value)}`;
      case 'integer_literal':
      case 'decimal_literal':
      case 'float_literal':
        return `n${e.value}`;
      case 'boolean_literal':
        return e.value ? 'true' : 'false';
      case 'null_literal':
        return 'null';
      case 'typed_literal':
        return `${e.type}${JSON.stringify(e.value)}`;
      case 'interval_literal':
        return `interval${JSON.stringify(e.value)}${e.unit}${e.toUnit}`;
      case 'niladic_call':
        return e.name;
      case 'unary':
        return `${e.op}(${this.fingerprint(e.operand)})`;
      case 'binary':
        return `(${this.fingerprint(e.left)} ${e.op} ${this.fingerprint(e.right)})`;
      case 'between':
        return `between${e.negated}(${this.list([e.expr, e.low, e.high])})`;
      case 'in_list':
        return `in${e.negated}(${this.fingerprint(e.expr)};${this.list(e.list)})`;
      case 'like':
        return `${e.op}${e.negated}(${this.list(e.escape ? [e.expr, e.pattern, e.escape] : [e.expr, e.pattern])})`;
      case 'is_null':
        return `isnull${e.negated}(${this.fingerprint(e.expr)})`;
      case 'is_bool':
        return `is${e.value}${e.negated}(${this.fingerprint(e.expr)})`;
      case 'is_distinct_from':
        return `distinct${e.negated}(${this.fingerprint(e.left)},${this.fingerprint(e.right)})`;
      case 'case': {
        let text = `case(${e.operand ? this.fingerprint(e.operand) : ''}`;
        for (const w of e.whens) text += `;${this.fingerprint(w.condition)}=>${this.fingerprint(w.result)}`;
        return `${text};${e.else ? this.fingerprint(e.else) : ''})`;
      }
      case 'cast':
        return `cast(${this.fingerprint(e.expr)} as ${printType(e.type)})`;
      case 'extract':
        return `extract(${e.field},${this.fingerprint(e.expr)})`;
      case 'function_call': {
        const def = this.ctx.bindings.calls.get(e);
        // Windows never match a key (GROUP BY refuses them); calls of unknown functions already failed.
        if (!def || e.over) return `?${this.unique++}`;
        return `${def.name}(${e.distinct ? 'distinct ' : ''}${this.list(e.args)})${e.filter ? `filter(${this.fingerprint(e.filter)})` : ''}`;
      }
      default:
        // Subqueries: never equal to a key (a subquery key is vanishingly rare; its correlations are checked instead).
        return `?${this.unique++}`;
    }
  }

  /** Reports every column of `e` that is neither a key, inside an aggregate, nor from an outer query. */
  check(e: Expr): void {
    // Keys are usually columns: then only names (and attribute accesses, which may spell a nested
    // column key differently) can match one, and other nodes need no fingerprint.
    const mayMatch = this.memo !== null || e.kind === 'column_ref' || e.kind === 'field_access' || e.kind === 'subscript';
    if (mayMatch && this.keys.has(this.fingerprint(e))) return;
    switch (e.kind) {
      case 'column_ref':
        return this.checkColumn(e);
      case 'function_call':
        if (this.isAggregate(e)) return;
        if (e.over?.kind === 'window_ref') {
          for (const a of e.args) this.check(a);
          return; // the named window's spec is checked once, with the WINDOW clause
        }
        return forEachChild(e, this.checker);
      case 'subquery':
      case 'exists':
        return this.checkCorrelations(e.query);
      case 'in_subquery':
        this.check(e.expr);
        return this.checkCorrelations(e.query);
      default:
        return forEachChild(e, this.checker);
    }
  }

  checkWindowSpec(spec: WindowSpec): void {
    forEachWindowExpr(spec, this.checker);
  }

  private checkColumn(ref: ColumnRef): void {
    const b = this.ctx.bindings.columns.get(ref);
    if (!b || b.kind === 'alias' || b.kind === 'output' || b.kind === 'price') return; // already reported, or checked where defined
    const owner = this.ctx.correlated?.get(ref);
    if (owner && owner !== this.scope) return; // an enclosing query's column: one value per group
    if (b.kind === 'column' || b.kind === 'using') {
      // A nested attribute of a grouped value is a function of the key.
      const qualifier = b.kind === 'column' ? b.qualifier : b.qualifiers.join('\u0001');
      for (let n = b.path.length - 1; n >= 0; n--) {
        if (this.keys.has(columnFingerprint(qualifier, b.column, b.path.slice(0, n)))) return;
      }
    }
    const name = quotePath(ref.parts.map((p) => p.value));
    const hint =
      this.core.groupBy.length > 0
        ? 'add it to GROUP BY or aggregate it, e.g. MAX(...)'
        : `the query is aggregated as one group (it has ${this.core.having ? 'HAVING' : 'an aggregate'} and no GROUP BY): aggregate it, e.g. MAX(...), or add GROUP BY${this.core.having ? ', or filter rows with WHERE' : ''}`;
    this.ctx.errors.push(detailAt(ref.span, 'not_grouped', `${name} is neither grouped nor aggregated: ${hint}`));
  }

  /** Columns of this query that a subquery reads (correlations) must be group keys too. */
  private checkCorrelations(query: Query): void {
    const correlated = this.ctx.correlated;
    if (!correlated) return;
    walk(query, (node) => {
      if (node.kind === 'column_ref' && correlated.get(node) === this.scope) this.check(node);
    });
  }
}

// NUL separates names: it keeps fingerprints cheap to build, and dataset attribute names cannot
// contain it (ATTRIBUTE_NAME_PATTERN); at worst a crafted alias with a NUL makes two names collide,
// so the check accepts a query that the engine then refuses.
function columnFingerprint(qualifier: string, column: string, path: readonly string[]): string {
  let fp = `col\u0000${qualifier}\u0000${column}`;
  for (const step of path) fp += `\u0000${step}`;
  return fp;
}

/**
 * Checks the select core `core` (resolved in `scope`) and the ORDER BY of its query. Runs after
 * name resolution, reading the bindings; reports `not_grouped` errors at the offending column.
 * `mayAggregate` is false when no aggregate call was resolved while resolving the core and its
 * ORDER BY (subqueries included), so only GROUP BY or HAVING can make it an aggregate query.
 */
export function checkGrouping(core: SelectCore, orderBy: readonly OrderItem[], scope: Scope, ctx: AnalysisContext, mayAggregate: boolean): void {
  if (!mayAggregate && core.groupBy.length === 0 && core.having === null) return;
  const check = new GroupingCheck(core, scope, ctx);
  let aggregated = core.groupBy.length > 0 || core.having !== null || (core.qualify !== null && check.containsAggregate(core.qualify));
  for (const item of core.projections) aggregated ||= check.containsAggregate(item.expr);
  for (const item of orderBy) aggregated ||= check.containsAggregate(item.expr);
  if (!aggregated) return;
  for (const item of core.projections) check.check(item.expr);
  if (core.having) check.check(core.having);
  if (core.qualify) check.check(core.qualify);
  for (const w of core.windows) check.checkWindowSpec(w.spec);
  for (const item of orderBy) check.check(item.expr);
}
