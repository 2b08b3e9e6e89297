// The value of a numeric literal, possibly signed: what the analyzer checks where NQL requires a
// constant (price caps, offsets, NTILE buckets) and what the compilers fold (array indexes).
import type { Expr } from '../ast.js';

/** The number when `expr` is a (possibly signed) numeric literal, else undefined. */
export function numericLiteralValue(expr: Expr): number | undefined {
  if (expr.kind === 'integer_literal' || expr.kind === 'decimal_literal' || expr.kind === 'float_literal') {
    return Number(expr.value);
  }
  if (expr.kind === 'unary' && (expr.op === '-' || expr.op === '+')) {
    const inner = numericLiteralValue(expr.operand);
    return inner === undefined ? undefined : expr.op === '-' ? -inner : inner;
  }
  return undefined;
}

