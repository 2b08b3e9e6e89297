// Analysis errors: collected (never thrown one by one) so a user sees every unknown column of a
// query at once, then thrown together as one NqlAnalysisError.
import type { Span } from '../ast.js';
import type { NqlErrorDetail } from '../errors.js';
import { NqlError } from '../errors.js';

export type NqlAnalysisErrorCode =
  /** A dataset reference that does not resolve for this company (never says whether it exists elsewhere). */
  | 'unknown_dataset'
  /** A column, nested attribute, CTE column or output alias that does not exist. */
  | 'unknown_column'
  /** An unqualified name that several relations in scope provide. */
  | 'ambiguous_column'
  | 'unknown_function'
  /** Arity, argument types or DISTINCT/OVER/FILTER misuse. */
  | 'invalid_call'
  /** Table functions, system catalogs, `_price_cpm_usd` misuse, aggregates in WHERE... */
  | 'not_allowed'
  | 'type_mismatch'
  /** In an aggregate query, a column that is neither a GROUP BY key nor inside an aggregate. */
  | 'not_grouped'
  /** Two output columns with the same (case-insensitive) name, or a relation alias used twice. */
  | 'duplicate_name'
  | 'invalid_option'
  /** Valid NQL that jobplane does not compile yet (documented in docs/nql-analyzer.md). */
  | 'unsupported';

export class NqlAnalysisError extends NqlError {
  constructor(errors: NqlErrorDetail[]) {
    super(errors, 'NqlAnalysisError');
  }
}

export function detailAt(span: Span, code: NqlAnalysisErrorCode, message: string): NqlErrorDetail {
  return { code, message, line: span.start.line, column: span.start.column, span };
}
