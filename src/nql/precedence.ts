import type { BinaryOp, Expr } from './ast.js';

/**
 * Binding power of NQL operators, loosest first. The parser's Pratt loop continues while the next operator binds
 * tighter than the current minimum; the printer uses the same table to decide where parentheses are needed, so the
 * two cannot drift apart. The order follows Calcite: IS binds looser than comparisons (`a = b IS NULL` is
 * `(a = b) IS NULL`), BETWEEN/IN/LIKE sit with the comparisons, `||` sits with `+` and `-` as in Spark.
 * All binary operators are left-associative.
 */
export enum Prec {
  Lowest = 0,
  Or = 1,
  And = 2,
  /** Prefix NOT. */
  Not = 3,
  /** IS [NOT] NULL / TRUE / FALSE / DISTINCT FROM. */
  Is = 4,
  /** = <> < <= > >= LIKE ILIKE IN BETWEEN. */
  Comparison = 5,
  /** + - ||. */
  Additive = 6,
  /** * / %. */
  Multiplicative = 7,
  /** Prefix - and +. */
  Unary = 8,
  /** x[i], x.f, x::type. */
  Postfix = 9,
  /** Literals, names, calls, CASE, CAST, parenthesised forms. */
  Atom = 10,
}

export const BINARY_PRECEDENCE: Readonly<Record<BinaryOp, Prec>> = {
  OR: Prec.Or,
  AND: Prec.And,
  '=': Prec.Comparison,
  '<>': Prec.Comparison,
  '<': Prec.Comparison,
  '<=': Prec.Comparison,
  '>': Prec.Comparison,
  '>=': Prec.Comparison,
  '+': Prec.Additive,
  '-': Prec.Additive,
  '||': Prec.Additive,
  '*': Prec.Multiplicative,
  '/': Prec.Multiplicative,
  '%': Prec.Multiplicative,
};

/** The binding power of an expression's outermost operator (Atom when it has none). */
export function precedenceOf(expr: Expr): Prec {
  switch (expr.kind) {
    case 'binary':
      return BINARY_PRECEDENCE[expr.op];
    case 'unary':
      return expr.op === 'NOT' ? Prec.Not : Prec.Unary;
    case 'between':
    case 'in_list':
    case 'in_subquery':
    case 'like':
      return Prec.Comparison;
    case 'is_null':
    case 'is_bool':
    case 'is_distinct_from':
      return Prec.Is;
    case 'subscript':
    case 'field_access':
      return Prec.Postfix;
    default:
      return Prec.Atom;
  }
}
