// `_price_cpm_usd` is a virtual column: the price of a row in USD per 1,000 rows. NQL only lets a
// query cap it (`_price_cpm_usd <= 2.50`; `<= 0` means free data only), never read or compare it
// otherwise. jobplane serves a company its own datasets, whose price is 0, so a cap compiles to the
// constant comparison `0 <= cap` (true for any non-negative cap).
import type { BinaryExpr } from '../ast.js';
import type { NqlType } from '../types.js';
import { T } from '../types.js';
import { detailAt } from './errors.js';
import type { ExprEnv } from './expr-env.js';
import { numericLiteralValue } from './literal-value.js';
import { PRICE_COLUMN } from './resolve-column.js';

/**
 * Checks `_price_cpm_usd <= n` once the caller has resolved the left side to the price column:
 * the cap must be a numeric literal and the filter must sit in WHERE or JOIN ... ON.
 */
export function checkPriceFilter(binary: BinaryExpr, env: ExprEnv): NqlType {
  const cap = numericLiteralValue(binary.right);
  if (cap === undefined || !Number.isFinite(cap)) {
    env.ctx.errors.push(detailAt(binary.right.span, 'not_allowed', `${PRICE_COLUMN} must be compared with a number, e.g. ${PRICE_COLUMN} <= 1.50`));
  } else if (env.clause !== 'WHERE' && env.clause !== 'JOIN ... ON') {
    env.ctx.errors.push(detailAt(binary.span, 'not_allowed', `${PRICE_COLUMN} filters belong in WHERE or JOIN ... ON, not ${env.clause}`));
  } else {
    env.ctx.bindings.priceFilters.add(binary);
  }
  env.ctx.bindings.types.set(binary.right, T.double);
  env.ctx.bindings.types.set(binary, T.boolean);
  return T.boolean;
}
