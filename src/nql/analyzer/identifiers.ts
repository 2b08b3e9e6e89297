// Names the user introduces (aliases, CTE names and columns, window names, struct fields of a
// CAST) must not contain `${`. Spark substitutes `${env:NAME}` / `${spark.conf}` variables
// anywhere in the SQL text before parsing, backtick-quoted names included, so an alias such as
// "${env:AWS_SECRET_ACCESS_KEY}" would surface a secret as a column name. Every other identifier
// in compiled SQL is a schema name (validated), a dataset relation `ds_<id>`, or must match one of
// these. String literals are safe: the Spark dialect writes `$` as `\u0024` there. Refused for
// every dialect, so a query means the same on every data plane.
import type { Identifier } from '../ast.js';
import type { AnalysisContext } from './context.js';
import { detailAt } from './errors.js';

export function checkIntroducedName(ctx: AnalysisContext, name: Identifier | null): void {
  if (name && name.value.includes('${')) {
    ctx.errors.push(detailAt(name.span, 'not_allowed', 'names must not contain "${"'));
  }
}
