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
};
