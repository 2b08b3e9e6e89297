// Function calls: the name must be in the allow-list (functions.ts); arity, DISTINCT, FILTER and
// OVER must fit the function's kind; aggregates and window functions must sit where SQL allows them.
import type { Expr, FunctionCall, OrderItem, WindowSpec } from '../ast.js';
import type { ArgInfo } from '../functions.js';
import { forbiddenFunctionReason, lookupFunction } from '../functions.js';
import type { NqlType } from '../types.js';
import type { ExprEnv } from './expr-env.js';
import { withClause } from './expr-env.js';
import { numericLiteralValue } from './literal-value.js';
import { report, resolveCondition, resolveExpr } from './resolve-expr.js';
import { pickByName } from './scope.js';

function literalOf(expr: Expr): ArgInfo['literal'] | undefined {
  switch (expr.kind) {
    case 'string_literal':
      return expr.value;
    case 'boolean_literal':
      return expr.value;
    case 'null_literal':
      return null;
    default:
      return numericLiteralValue(expr);
  }
}

function arityText(min: number, max: number): string {
  if (min === max) return `${min} argument${min === 1 ? '' : 's'}`;
  return max === Number.POSITIVE_INFINITY ? `at least ${min} arguments` : `${min} to ${max} arguments`;
}

export function resolveOrderItems(items: readonly OrderItem[], env: ExprEnv): void {
  for (const item of items) {
    const t = resolveExpr(item.expr, env);
    if (t.type === 'object' || t.type === 'array') report(env, item.expr, 'type_mismatch', `cannot order by a ${t.type} value`);
  }
}

export function resolveWindowSpec(spec: WindowSpec, env: ExprEnv): void {
  if (spec.base && !pickByName(env.windows, spec.base.value, (w) => w.name.value)) {
    report(env, spec.base, 'unknown_column', `unknown window "${spec.base.value}"`);
  }
  const inner = withClause(env, 'OVER (...)', { allowWindow: false, aliases: null });
  for (const e of spec.partitionBy) resolveExpr(e, inner);
  resolveOrderItems(spec.orderBy, inner);
  const frame = spec.frame;
  if (frame) {
    for (const bound of [frame.start, frame.end]) {
      if (bound && (bound.kind === 'preceding' || bound.kind === 'following')) {
        const n = numericLiteralValue(bound.offset);
        resolveExpr(bound.offset, inner);
        if (n === undefined || n < 0 || (frame.unit === 'ROWS' && !Number.isInteger(n))) {
          report(env, bound.offset, 'invalid_call', 'a window frame offset must be a non-negative literal');
        }
      }
    }
  }
}

export function resolveWindow(call: FunctionCall, env: ExprEnv): void {
  const over = call.over;
  if (!over) return;
  if (over.kind === 'window_ref') {
    if (!pickByName(env.windows, over.name.value, (w) => w.name.value)) {
      report(env, over, 'unknown_column', `unknown window "${over.name.value}"`);
    }
    return;
  }
  resolveWindowSpec(over, env);
}

export function resolveCall(call: FunctionCall, env: ExprEnv): NqlType {
  const name = call.name.value;
  const def = lookupFunction(name);
  if (!def) {
    for (const a of call.args) resolveExpr(a, env);
    const forbidden = forbiddenFunctionReason(name);
    return report(env, call.name, forbidden ? 'not_allowed' : 'unknown_function', forbidden ?? `unknown function ${name}`);
  }
  env.ctx.bindings.calls.set(call, def);
  const isWindowCall = call.over !== null;
  let problem: string | undefined;
  if (call.args.length < def.minArgs || call.args.length > def.maxArgs) {
    problem = `${def.name} takes ${arityText(def.minArgs, def.maxArgs)}, got ${call.args.length}`;
  } else if (def.kind === 'window' && !isWindowCall) {
    problem = `${def.name} is a window function and needs OVER (...)`;
  } else if (def.kind === 'scalar' && (isWindowCall || call.filter || call.distinct)) {
    problem = `${def.name} is not an aggregate: OVER, FILTER and DISTINCT do not apply`;
  } else if (call.distinct && (!def.allowDistinct || isWindowCall)) {
    problem = isWindowCall ? 'DISTINCT is not supported in window aggregates' : `${def.name} does not take DISTINCT`;
  } else if (call.filter && def.kind !== 'aggregate') {
    problem = `FILTER (WHERE ...) applies to aggregates only`;
  }
  const aggregating = def.kind === 'aggregate' && !isWindowCall;
  if (aggregating) env.ctx.aggregateCalls++;
  if (aggregating && !env.allowAggregate) {
    problem ??= `aggregate ${def.name} is not allowed in ${env.clause}`;
  }
  if (isWindowCall && !env.allowWindow) {
    problem ??= `window function ${def.name} is not allowed in ${env.clause}`;
  }
  // A scalar call is transparent: its arguments may hold whatever the clause allows, windows
  // included (ROUND(SUM(x) OVER (...), 2), as in Calcite and both engines). Arguments of an
  // aggregate may not aggregate again; arguments of a window call may aggregate (SUM(SUM(x))
  // OVER () over a grouped query) but not nest windows; neither takes a window in its arguments.
  const argEnv =
    def.kind === 'scalar'
      ? env
      : withClause(env, `${def.name}(...)`, {
          allowAggregate: aggregating ? false : env.allowAggregate,
          allowWindow: false,
        });
  const args: ArgInfo[] = call.args.map((a) => {
    const type = resolveExpr(a, argEnv);
    const literal = literalOf(a);
    return literal === undefined ? { type } : { type, literal };
  });
  if (call.filter) resolveCondition(call.filter, withClause(env, 'FILTER (WHERE ...)', { allowAggregate: false, allowWindow: false }));
  resolveWindow(call, env);
  if (problem) return report(env, call, 'invalid_call', problem);
  const inferred = def.infer(args);
  if (typeof inferred === 'string') return report(env, call, 'invalid_call', inferred);
  return inferred;
}
