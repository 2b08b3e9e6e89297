import type {
  CaseExpr,
  CastExpr,
  ExistsExpr,
  ExtractExpr,
  ExtractField,
  IntervalLiteral,
  IntervalUnit,
  TypedLiteral,
  WhenClause,
} from '../ast.js';
import type { Cursor } from './cursor.js';
import { parseExpr } from './expressions.js';
import { parseQuery } from './queries.js';
import { parseType } from './types.js';

/** Keyword-led expression forms with their own grammar: CASE, CAST, EXTRACT, EXISTS, INTERVAL, typed literals. */

export function parseCase(p: Cursor): CaseExpr {
  const start = p.pos;
  p.expectWord('CASE');
  const operand = p.isWord('WHEN') ? null : parseExpr(p);
  const whens: WhenClause[] = [];
  while (p.isWord('WHEN')) {
    const whenStart = p.pos;
    p.next();
    const condition = parseExpr(p);
    p.expectWord('THEN');
    const result = parseExpr(p);
    whens.push({ kind: 'when', condition, result, span: p.spanFrom(whenStart) });
  }
  if (whens.length === 0) p.unexpected(['WHEN']);
  const elseExpr = p.eatWord('ELSE') ? parseExpr(p) : null;
  if (!p.eatWord('END')) p.unexpected(elseExpr ? ['END'] : ['WHEN', 'ELSE', 'END']);
  return { kind: 'case', operand, whens, else: elseExpr, span: p.spanFrom(start) };
}

export function parseCast(p: Cursor): CastExpr {
  const start = p.pos;
  p.expectWord('CAST');
  p.expectOp('(', "'(' after CAST");
  const expr = parseExpr(p);
  p.expectWord('AS');
  const type = parseType(p);
  p.expectOp(')');
  return { kind: 'cast', expr, type, span: p.spanFrom(start) };
}

const EXTRACT_FIELDS: ReadonlySet<string> = new Set<ExtractField>([
  'YEAR',
  'QUARTER',
  'MONTH',
  'WEEK',
  'DAY',
  'DAYOFWEEK',
  'DOW',
  'DAYOFYEAR',
  'DOY',
  'HOUR',
  'MINUTE',
  'SECOND',
  'MILLISECOND',
  'MICROSECOND',
  'EPOCH',
]);

export function parseExtract(p: Cursor): ExtractExpr {
  const start = p.pos;
  p.expectWord('EXTRACT');
  p.expectOp('(', "'(' after EXTRACT");
  const t = p.peek();
  if (t.type !== 'word' || !EXTRACT_FIELDS.has(t.upper)) {
    p.unexpected(['a date/time field such as YEAR, MONTH, DAY, HOUR, MINUTE or SECOND']);
  }
  p.next();
  p.expectWord('FROM');
  const expr = parseExpr(p);
  p.expectOp(')');
  return { kind: 'extract', field: t.upper as ExtractField, expr, span: p.spanFrom(start) };
}

export function parseExists(p: Cursor): ExistsExpr {
  const start = p.pos;
  p.expectWord('EXISTS');
  p.expectOp('(', "'(' after EXISTS");
  if (!p.startsQuery()) p.unexpected(['a query (SELECT ...)']);
  const query = parseQuery(p);
  p.expectOp(')');
  return { kind: 'exists', query, span: p.spanFrom(start) };
}

export function parseTypedLiteral(p: Cursor): TypedLiteral {
  const start = p.pos;
  const type = p.next().upper as TypedLiteral['type'];
  const value = p.next().value;
  return { kind: 'typed_literal', type, value, span: p.spanFrom(start) };
}

/** Singular and plural spellings of interval units. */
const INTERVAL_UNITS: Readonly<Record<string, IntervalUnit>> = {
  YEAR: 'YEAR',
  YEARS: 'YEAR',
  MONTH: 'MONTH',
  MONTHS: 'MONTH',
  WEEK: 'WEEK',
  WEEKS: 'WEEK',
  DAY: 'DAY',
  DAYS: 'DAY',
  HOUR: 'HOUR',
  HOURS: 'HOUR',
  MINUTE: 'MINUTE',
  MINUTES: 'MINUTE',
  SECOND: 'SECOND',
  SECONDS: 'SECOND',
};

const UNIT_NAMES = ['YEAR', 'MONTH', 'WEEK', 'DAY', 'HOUR', 'MINUTE', 'SECOND'];

/** `INTERVAL '1' DAY`, `INTERVAL 160 DAYS`, `INTERVAL '1-2' YEAR TO MONTH`, `INTERVAL '1 day'`. */
export function parseInterval(p: Cursor): IntervalLiteral {
  const start = p.pos;
  p.expectWord('INTERVAL');
  const v = p.peek();
  if (v.type !== 'string' && v.type !== 'integer' && v.type !== 'decimal') {
    p.unexpected(["an interval value such as '1' or 3"]);
  }
  p.next();
  const unitToken = p.peek();
  const unit = unitToken.type === 'word' ? (INTERVAL_UNITS[unitToken.upper] ?? null) : null;
  if (unit === null) {
    // Only the string form may carry its unit inside: INTERVAL '1 day'.
    if (v.type !== 'string') p.unexpected(['an interval unit (' + UNIT_NAMES.join(', ') + ')']);
    return { kind: 'interval_literal', value: v.value, unit: null, toUnit: null, span: p.spanFrom(start) };
  }
  p.next();
  let toUnit: IntervalUnit | null = null;
  if (p.eatWord('TO')) {
    const u = p.peek();
    toUnit = u.type === 'word' ? (INTERVAL_UNITS[u.upper] ?? null) : null;
    if (toUnit === null) p.unexpected(['an interval unit after TO']);
    p.next();
  }
  return { kind: 'interval_literal', value: v.value, unit, toUnit, span: p.spanFrom(start) };
}
