// DuckDB, the embedded engine of jobplane's data-plane operator. Datasets are relations named
// `ds_<id>` (the operator creates them as views over the snapshot's Parquet files; DELTA reads
// `ds_<id>_delta`, the rows of snapshots added since the view's last run). The session must run in
// UTC (`SET TimeZone = 'UTC'`), as NQL's date functions assume.
import type { NqlType } from '../types.js';
import type { Dialect } from './dialect.js';
import { quoteWith } from './dialect.js';

const SCALARS: Record<string, string> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamptz: 'TIMESTAMPTZ',
  date: 'DATE',
  interval: 'INTERVAL',
};

function duckDbTypeName(type: NqlType): string {
  switch (type.type) {
    case 'array':
      return `${duckDbTypeName(type.items)}[]`;
    case 'object':
      return `STRUCT(${Object.entries(type.properties)
        .map(([name, t]) => `${quoteWith('"', name)} ${duckDbTypeName(t)}`)
        .join(', ')})`;
    default:
      return SCALARS[type.type] ?? 'VARCHAR';
  }
}

// Catalog functions DuckDB runs as NAME(args) with NQL's meaning (test/nql/functions.test.ts checks
// each against duckdb_functions()). A catalog function neither listed here nor given a `duckdb`
// rendering in src/nql/functions/ is refused at compile time, never passed through for the engine
// to reject.
const NATIVE_FUNCTIONS: ReadonlySet<string> = new Set([
  'COUNT', 'AVG', 'MIN', 'MAX', 'APPROX_COUNT_DISTINCT', 'STDDEV', 'STDDEV_SAMP', 'STDDEV_POP', 'VARIANCE',
  'VAR_SAMP', 'VAR_POP', 'BOOL_AND', 'BOOL_OR', 'ROW_NUMBER', 'RANK', 'DENSE_RANK', 'PERCENT_RANK',
  'CUME_DIST', 'NTILE', 'LAG', 'LEAD', 'FIRST_VALUE', 'LAST_VALUE', 'NTH_VALUE', 'LOWER', 'UPPER', 'TRIM',
  'LTRIM', 'RTRIM', 'REVERSE', 'LENGTH', 'SUBSTRING', 'LEFT', 'RIGHT', 'CONCAT_WS', 'REPLACE', 'INSTR',
  'ABS', 'ROUND', 'SQRT', 'EXP', 'LN', 'LOG10', 'LOG2', 'POWER', 'GREATEST', 'LEAST', 'YEAR', 'QUARTER',
  'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND', 'DAYOFYEAR', 'WEEKOFYEAR', 'NULLIF', 'MD5', 'SHA1',
]);

// DuckDB numbers weekdays Sunday 0 .. Saturday 6; NQL (like Spark) Sunday 1 .. Saturday 7.
const dayOfWeek = (source: string) => `(EXTRACT(DOW FROM ${source}) + 1)`;

export const DUCKDB: Dialect = {
  id: 'duckdb',
  quoteIdentifier: (name) => quoteWith('"', name),
  // Standard SQL strings: only the quote is special (backslashes are literal, as in NQL).
  stringLiteral: (value) => quoteWith("'", value),
  datasetRelation: (id, delta) => quoteWith('"', delta ? `ds_${id}_delta` : `ds_${id}`),
  aliasSeparator: ' AS ',
  alwaysAliasDatasets: false,
  columnFieldAccess: 'dot',
  arrayIndexBase: 1,
  expandBetween: false,
  nullIfDivisorZero: true,
  likeDefaultEscape: '\\',
  castKeyword: 'TRY_CAST',
  typeName: duckDbTypeName,
  timestampLiteralKeyword: 'TIMESTAMPTZ',
  extract: { DAYOFWEEK: dayOfWeek, DOW: dayOfWeek, DAYOFYEAR: (s) => `EXTRACT(DOY FROM ${s})` },
  supportsQualify: true,
  nativeFunctions: NATIVE_FUNCTIONS,
  // DuckDB's UNNEST in FROM is lateral and its WITH ORDINALITY counts from 1 (checked on 1.5.6).
  unnest: (array, n) => {
    const q = (name: string) => quoteWith('"', name);
    const columns = n.ordinality === null ? q(n.element) : `${q(n.element)}, ${q(n.ordinality)}`;
    return `UNNEST(${array})${n.ordinality === null ? '' : ' WITH ORDINALITY'} AS ${q(n.alias)}(${columns})`;
  },
  ordinalityBase: 1,
};
