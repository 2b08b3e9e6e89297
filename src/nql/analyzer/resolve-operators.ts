// Operators: arithmetic, comparison, logic, BETWEEN, IN, LIKE and CASE. NQL refuses implicit
// string/number conversions (Spark and DuckDB perform them differently), but lets a string literal
// stand for a date or timestamp (`event_timestamp >= '2024-01-01'`), which both engines cast alike.
import type { BetweenExpr, BinaryExpr, CaseExpr, Expr, InListExpr, LikeExpr } from '../ast.js';
import type { NqlType } from '../types.js';
import { T, commonType, comparable, isBooleanLike, isNumeric, isStringLike, typeName } from '../types.js';
import type { ExprEnv } from './expr-env.js';
import { withClause } from './expr-env.js';
import { checkPriceFilter } from './price-filter.js';
import { resolveColumnRef } from './resolve-column.js';
import { report, resolveCondition, resolveExpr } from './resolve-expr.js';

const COMPARISONS = new Set(['=', '<>', '<', '<=', '>', '>=']);

function isStringLiteral(expr: Expr): boolean {
  return expr.kind === 'string_literal';
}

export function requireComparable(env: ExprEnv, at: { span: Expr['span'] }, left: NqlType, right: NqlType, leftExpr?: Expr, rightExpr?: Expr): void {
  const rightLit = rightExpr ? isStringLiteral(rightExpr) : false;
  const leftLit = leftExpr ? isStringLiteral(leftExpr) : false;
  if (!comparable(left, right, rightLit, leftLit)) {
    report(env, at, 'type_mismatch', `cannot compare ${typeName(left)} with ${typeName(right)}`);
  }
}

function arithmetic(op: string, left: NqlType, right: NqlType): NqlType | undefined {
  if (isNumeric(left) && isNumeric(right)) {
    if (op === '/') return T.double;
    return left.type === 'double' || right.type === 'double' ? T.double : left.type === 'long' ? left : right.type === 'long' ? right : T.long;
  }
  // timestamp +/- interval; dates use DATE_ADD/DATE_SUB (engines disagree on date + interval).
  if ((op === '+' || op === '-') && left.type === 'timestamptz' && right.type === 'interval') return T.timestamptz;
  if (op === '+' && left.type === 'interval' && right.type === 'timestamptz') return T.timestamptz;
  if ((left.type === 'unknown' || right.type === 'unknown') && (left.type === 'timestamptz' || right.type === 'timestamptz')) return T.timestamptz;
  return undefined;
}

export function resolveBinary(expr: BinaryExpr, env: ExprEnv): NqlType {
  let left: NqlType;
  if (expr.op === '<=' && expr.left.kind === 'column_ref') {
    left = resolveColumnRef(expr.left, env, true);
    if (env.ctx.bindings.columns.get(expr.left)?.kind === 'price') return checkPriceFilter(expr, env);
  } else {
    left = resolveExpr(expr.left, env);
  }
  const right = resolveExpr(expr.right, env);
  switch (expr.op) {
    case 'AND':
    case 'OR':
      if (!isBooleanLike(left) || !isBooleanLike(right)) {
        return report(env, expr, 'type_mismatch', `${expr.op} needs boolean operands, got ${typeName(left)} and ${typeName(right)}`);
      }
      return T.boolean;
    case '||':
      if (!isStringLike(left) || !isStringLike(right)) {
        return report(env, expr, 'type_mismatch', `|| joins strings, got ${typeName(left)} and ${typeName(right)}; CAST(x AS STRING) first`);
      }
      return T.string;
    default:
      if (COMPARISONS.has(expr.op)) {
        requireComparable(env, expr, left, right, expr.left, expr.right);
        return T.boolean;
      }
      return arithmetic(expr.op, left, right) ?? report(env, expr, 'type_mismatch', `cannot apply ${expr.op} to ${typeName(left)} and ${typeName(right)}`);
  }
}

export function resolveBetween(expr: BetweenExpr, env: ExprEnv): NqlType {
  const value = resolveExpr(expr.expr, env);
  requireComparable(env, expr.low, value, resolveExpr(expr.low, env), expr.expr, expr.low);
  requireComparable(env, expr.high, value, resolveExpr(expr.high, env), expr.expr, expr.high);
  return T.boolean;
}

export function resolveInList(expr: InListExpr, env: ExprEnv): NqlType {
  const value = resolveExpr(expr.expr, env);
  for (const item of expr.list) requireComparable(env, item, value, resolveExpr(item, env), expr.expr, item);
  return T.boolean;
}

export function resolveLike(expr: LikeExpr, env: ExprEnv): NqlType {
  const value = resolveExpr(expr.expr, env);
  const pattern = resolveExpr(expr.pattern, env);
  if (!isStringLike(value) || !isStringLike(pattern)) {
    return report(env, expr, 'type_mismatch', `${expr.op} needs strings, got ${typeName(value)} and ${typeName(pattern)}`);
  }
  if (expr.escape) {
    resolveExpr(expr.escape, env);
    if (expr.escape.kind !== 'string_literal' || [...expr.escape.value].length !== 1) {
      return report(env, expr.escape, 'type_mismatch', 'ESCAPE takes a single-character string literal');
    }
  }
  return T.boolean;
}

export function resolveCase(expr: CaseExpr, env: ExprEnv): NqlType {
  const operand = expr.operand ? resolveExpr(expr.operand, env) : undefined;
  let result: NqlType = T.null;
  const merge = (t: NqlType, at: Expr) => {
    const next = commonType(result, t);
    if (next) result = next;
    else report(env, at, 'type_mismatch', `CASE branches must share a type, got ${typeName(result)} and ${typeName(t)}`);
  };
  for (const when of expr.whens) {
    if (operand && expr.operand) {
      requireComparable(env, when.condition, operand, resolveExpr(when.condition, env), expr.operand, when.condition);
    } else {
      resolveCondition(when.condition, withClause(env, 'CASE WHEN'));
    }
    merge(resolveExpr(when.result, env), when.result);
  }
  if (expr.else) merge(resolveExpr(expr.else, env), expr.else);
  return result;
}
