// Resolves and types every expression kind. Each case records the expression's type in
// `bindings.types`; a sub-expression that already failed has type `unknown`, which is compatible
// with everything, so one mistake yields one error.
import type { Expr, FieldAccess, Query, Subscript } from '../ast.js';
import type { NqlType } from '../types.js';
import { T, isBooleanLike, objectField, typeName } from '../types.js';
import { detailAt } from './errors.js';
import type { NqlAnalysisErrorCode } from './errors.js';
import type { ExprEnv } from './expr-env.js';
import { resolveCall } from './resolve-call.js';
import { resolveColumnRef } from './resolve-column.js';
import { castType, extractType, intervalType, typedLiteralType } from './resolve-literal.js';
import { resolveBinary, resolveBetween, resolveCase, resolveInList, resolveLike, requireComparable } from './resolve-operators.js';
import { resolveQuery } from './resolve-query.js';

export function report(env: ExprEnv, node: { span: Expr['span'] }, code: NqlAnalysisErrorCode, message: string): NqlType {
  env.ctx.errors.push(detailAt(node.span, code, message));
  return T.unknown;
}

export function resolveExpr(expr: Expr, env: ExprEnv): NqlType {
  const type = inferType(expr, env);
  env.ctx.bindings.types.set(expr, type);
  return type;
}

/** Resolves a condition (WHERE, ON, HAVING, WHEN ...) and insists on a boolean. */
export function resolveCondition(expr: Expr, env: ExprEnv): void {
  const type = resolveExpr(expr, env);
  if (!isBooleanLike(type)) report(env, expr, 'type_mismatch', `${env.clause} condition must be boolean, got ${typeName(type)}`);
}

/** A subquery used as a value or set: it sees the current scope as its outer scope. */
export function resolveSubquery(query: Query, env: ExprEnv): NqlType[] {
  const columns = resolveQuery(query, env.ctx, env.scope, env.ctes);
  return columns.map((c) => c.type);
}

function resolveFieldAccess(expr: FieldAccess, env: ExprEnv): NqlType {
  const base = resolveExpr(expr.base, env);
  if (base.type === 'unknown') return T.unknown;
  if (base.type !== 'object') return report(env, expr.field, 'type_mismatch', `${typeName(base)} has no attribute "${expr.field.value}"`);
  const field = objectField(base, expr.field.value);
  if (!field) return report(env, expr.field, 'unknown_column', `unknown attribute "${expr.field.value}"`);
  env.ctx.bindings.fields.set(expr, field.name);
  return field.type;
}

function resolveSubscript(expr: Subscript, env: ExprEnv): NqlType {
  const base = resolveExpr(expr.base, env);
  const index = resolveExpr(expr.index, env);
  if (base.type === 'unknown') return T.unknown;
  if (base.type === 'object') {
    if (expr.index.kind !== 'string_literal') {
      return report(env, expr.index, 'type_mismatch', "an object attribute is selected with a string literal, e.g. x['key']");
    }
    const field = objectField(base, expr.index.value);
    if (!field) return report(env, expr.index, 'unknown_column', `unknown attribute '${expr.index.value}'`);
    env.ctx.bindings.subscripts.set(expr, { kind: 'field', name: field.name });
    return field.type;
  }
  if (base.type === 'array') {
    if (index.type !== 'long' && index.type !== 'unknown') {
      return report(env, expr.index, 'type_mismatch', `an array index must be a long, got ${typeName(index)}`);
    }
    env.ctx.bindings.subscripts.set(expr, { kind: 'index' });
    return base.items;
  }
  return report(env, expr, 'type_mismatch', `cannot index a ${typeName(base)} value`);
}

function inferType(expr: Expr, env: ExprEnv): NqlType {
  switch (expr.kind) {
    case 'column_ref':
      return resolveColumnRef(expr, env);
    case 'field_access':
      return resolveFieldAccess(expr, env);
    case 'subscript':
      return resolveSubscript(expr, env);
    case 'string_literal':
      return T.string;
    case 'integer_literal':
      // Beyond a signed 64-bit long the engines disagree (DuckDB: HUGEINT, Spark: DECIMAL).
      return BigInt(expr.value) > 9223372036854775807n ? report(env, expr, 'type_mismatch', `integer ${expr.value} does not fit a long`) : T.long;
    case 'decimal_literal':
    case 'float_literal':
      return T.double;
    case 'boolean_literal':
      return T.boolean;
    case 'null_literal':
      return T.null;
    case 'typed_literal':
      return typedLiteralType(expr, env);
    case 'interval_literal':
      return intervalType(expr, env);
    case 'unary': {
      const operand = resolveExpr(expr.operand, env);
      if (expr.op === 'NOT') {
        return isBooleanLike(operand) ? T.boolean : report(env, expr, 'type_mismatch', `NOT needs a boolean, got ${typeName(operand)}`);
      }
      const ok = operand.type === 'long' || operand.type === 'double' || operand.type === 'interval' || operand.type === 'unknown' || operand.type === 'null';
      return ok ? operand : report(env, expr, 'type_mismatch', `unary ${expr.op} needs a number, got ${typeName(operand)}`);
    }
    case 'binary':
      return resolveBinary(expr, env);
    case 'between':
      return resolveBetween(expr, env);
    case 'in_list':
      return resolveInList(expr, env);
    case 'in_subquery': {
      const left = resolveExpr(expr.expr, env);
      const columns = resolveSubquery(expr.query, env);
      if (columns.length !== 1) return report(env, expr.query, 'type_mismatch', `IN (SELECT ...) must select exactly one column, got ${columns.length}`);
      requireComparable(env, expr, left, columns[0] ?? T.unknown);
      return T.boolean;
    }
    case 'like':
      return resolveLike(expr, env);
    case 'is_null':
      resolveExpr(expr.expr, env);
      return T.boolean;
    case 'is_bool': {
      const inner = resolveExpr(expr.expr, env);
      return isBooleanLike(inner) ? T.boolean : report(env, expr, 'type_mismatch', `IS TRUE/FALSE needs a boolean, got ${typeName(inner)}`);
    }
    case 'is_distinct_from': {
      requireComparable(env, expr, resolveExpr(expr.left, env), resolveExpr(expr.right, env));
      return T.boolean;
    }
    case 'exists':
      resolveSubquery(expr.query, env);
      return T.boolean;
    case 'subquery': {
      const columns = resolveSubquery(expr.query, env);
      if (columns.length !== 1) return report(env, expr, 'type_mismatch', `a scalar subquery must select exactly one column, got ${columns.length}`);
      return columns[0] ?? T.unknown;
    }
    case 'case':
      return resolveCase(expr, env);
    case 'cast':
      return castType(expr, resolveExpr(expr.expr, env), env);
    case 'extract':
      return extractType(expr, resolveExpr(expr.expr, env), env);
    case 'function_call':
      return resolveCall(expr, env);
    case 'niladic_call':
      if (expr.name === 'CURRENT_DATE') return T.date;
      if (expr.name === 'CURRENT_TIMESTAMP') return T.timestamptz;
      return report(env, expr, 'unsupported', `${expr.name} is not supported; use CURRENT_TIMESTAMP`);
  }
}
