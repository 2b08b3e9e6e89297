// Date and time functions, with Spark's meaning. Sessions run in UTC (the operator sets DuckDB's
// TimeZone; Spark's spark.sql.session.timeZone is UTC on Narrative planes), so "the day of a
// timestamp" is its UTC day in both engines.
import type { FunctionDef, RenderCall } from './define.js';
import { arg, argType, expectArgs, literalOf, simple } from './define.js';
import { T, isNumeric, isStringLike, isTemporal, typeName } from '../types.js';

export const DATE_TRUNC_UNITS = ['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second'] as const;

const asDate = (sql: string) => `CAST(${sql} AS DATE)`;

/** A date part extractor; `duckdb` gives a rendering only where DuckDB's name or numbering differs. */
function part(name: string, description: string, duckdb?: (c: RenderCall) => string): FunctionDef {
  const def = simple({ name, kind: 'scalar', category: 'datetime', minArgs: 1, args: ['date or timestamp'], returns: T.long, signature: `${name}(t)`, description });
  return duckdb ? { ...def, render: { duckdb } } : def;
}

function dateArithmetic(name: 'DATE_ADD' | 'DATE_SUB', sign: '+' | '-'): FunctionDef {
  return {
    ...simple({
      name,
      kind: 'scalar',
      category: 'datetime',
      minArgs: 2,
      args: ['date or timestamp', 'numeric'],
      returns: T.date,
      signature: `${name}(d, days)`,
      description: `The date \`days\` days ${sign === '+' ? 'after' : 'before'} d (a timestamp is first cast to its date).`,
    }),
    render: { duckdb: (c) => `(${asDate(arg(c, 0))} ${sign} CAST(${arg(c, 1)} AS INTEGER))` },
  };
}

function epochSeconds(c: RenderCall): string {
  return `CAST(floor(epoch(${c.args[0] ?? 'CURRENT_TIMESTAMP'})) AS BIGINT)`;
}

export const DATETIME_FUNCTIONS: readonly FunctionDef[] = [
  {
    name: 'CURRENT_DATE',
    kind: 'scalar',
    category: 'datetime',
    minArgs: 0,
    maxArgs: 0,
    signature: 'CURRENT_DATE',
    description: 'Today (UTC) at query start.',
    infer: () => T.date,
    // The bare keyword is valid in both engines; `current_date()` is not valid everywhere.
    render: { duckdb: () => 'CURRENT_DATE', spark: () => 'CURRENT_DATE' },
  },
  {
    name: 'CURRENT_TIMESTAMP',
    kind: 'scalar',
    category: 'datetime',
    minArgs: 0,
    maxArgs: 0,
    signature: 'CURRENT_TIMESTAMP',
    description: 'The instant of query start.',
    infer: () => T.timestamptz,
    render: { duckdb: () => 'CURRENT_TIMESTAMP', spark: () => 'CURRENT_TIMESTAMP' },
  },
  {
    name: 'DATE_TRUNC',
    kind: 'scalar',
    category: 'datetime',
    minArgs: 2,
    maxArgs: 2,
    signature: `DATE_TRUNC(unit, t)`,
    description: `t truncated to the start of its unit, a literal among ${DATE_TRUNC_UNITS.join(', ')}; a timestamp.`,
    infer(args) {
      const unit = literalOf(args, 0);
      if (typeof unit !== 'string' || !(DATE_TRUNC_UNITS as readonly string[]).includes(unit.toLowerCase())) {
        return `DATE_TRUNC unit must be one of ${DATE_TRUNC_UNITS.map((u) => `'${u}'`).join(', ')}`;
      }
      return isTemporal(argType(args, 1)) ? T.timestamptz : `DATE_TRUNC argument 2 must be date or timestamp, got ${typeName(argType(args, 1))}`;
    },
    // DuckDB returns a TIMESTAMP (no zone) for a DATE input; NQL always yields a timestamptz.
    render: { duckdb: (c) => `CAST(date_trunc(${arg(c, 0)}, ${arg(c, 1)}) AS TIMESTAMPTZ)` },
  },
  dateArithmetic('DATE_ADD', '+'),
  dateArithmetic('DATE_SUB', '-'),
  {
    ...simple({ name: 'DATEDIFF', kind: 'scalar', category: 'datetime', minArgs: 2, args: ['date or timestamp'], returns: T.long, signature: 'DATEDIFF(end, start)', description: 'Days from start to end, counting calendar dates.' }),
    render: { duckdb: (c) => `date_diff('day', ${asDate(arg(c, 1))}, ${asDate(arg(c, 0))})` },
  },
  {
    ...simple({ name: 'ADD_MONTHS', kind: 'scalar', category: 'datetime', minArgs: 2, args: ['date or timestamp', 'numeric'], returns: T.date, signature: 'ADD_MONTHS(d, n)', description: 'The date n months after d, clamped to the last day of the month.' }),
    render: { duckdb: (c) => `CAST(${asDate(arg(c, 0))} + to_months(CAST(${arg(c, 1)} AS INTEGER)) AS DATE)` },
  },
  part('YEAR', 'Calendar year of t.'),
  part('QUARTER', 'Quarter of the year, 1-4.'),
  part('MONTH', 'Month, 1-12.'),
  part('DAY', 'Day of the month, 1-31.'),
  part('HOUR', 'Hour, 0-23.'),
  part('MINUTE', 'Minute, 0-59.'),
  part('SECOND', 'Whole seconds, 0-59.'),
  part('DAYOFYEAR', 'Day of the year, 1-366.'),
  part('WEEKOFYEAR', 'ISO-8601 week number, 1-53.'),
  // DuckDB numbers Sunday 0 .. Saturday 6; NQL (Spark) numbers Sunday 1 .. Saturday 7.
  part('DAYOFWEEK', 'Day of the week, Sunday 1 .. Saturday 7.', (c) => `(dayofweek(${arg(c, 0)}) + 1)`),
  {
    name: 'UNIX_TIMESTAMP',
    kind: 'scalar',
    category: 'datetime',
    minArgs: 0,
    maxArgs: 1,
    signature: 'UNIX_TIMESTAMP([t])',
    description: 'Whole seconds since 1970-01-01 UTC of t (default: now).',
    infer: (args) => expectArgs('UNIX_TIMESTAMP', args, ['date or timestamp']) ?? T.long,
    render: { duckdb: epochSeconds },
  },
  {
    ...simple({ name: 'FROM_UNIXTIME', kind: 'scalar', category: 'datetime', minArgs: 1, args: ['numeric'], returns: T.string, signature: 'FROM_UNIXTIME(seconds)', description: "The UTC time `seconds` after the epoch, as text 'yyyy-MM-dd HH:mm:ss'." }),
    render: { duckdb: (c) => `strftime(to_timestamp(CAST(${arg(c, 0)} AS DOUBLE)), '%Y-%m-%d %H:%M:%S')` },
  },
  {
    name: 'TO_TIMESTAMP',
    kind: 'scalar',
    category: 'datetime',
    minArgs: 1,
    maxArgs: 1,
    signature: 'TO_TIMESTAMP(x)',
    description: "x as a timestamp: text like '2024-01-31 12:00:00[+00]', a date, or seconds since the epoch.",
    infer: (args) => {
      const t = argType(args, 0);
      return isStringLike(t) || isNumeric(t) || isTemporal(t) ? T.timestamptz : `TO_TIMESTAMP cannot convert ${typeName(t)}`;
    },
    render: {
      duckdb: (c) =>
        c.types[0]?.type === 'long' || c.types[0]?.type === 'double'
          ? `to_timestamp(CAST(${arg(c, 0)} AS DOUBLE))`
          : `CAST(${arg(c, 0)} AS TIMESTAMPTZ)`,
    },
  },
  {
    name: 'TO_DATE',
    kind: 'scalar',
    category: 'datetime',
    minArgs: 1,
    maxArgs: 1,
    signature: 'TO_DATE(x)',
    description: "x as a date: text 'yyyy-MM-dd' or a timestamp (its UTC date).",
    infer: (args) => expectArgs('TO_DATE', args, [isTemporal(argType(args, 0)) ? 'date or timestamp' : 'string']) ?? T.date,
    render: { duckdb: (c) => asDate(arg(c, 0)) },
  },
];
