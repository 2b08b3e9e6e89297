// Spark SQL as Narrative's AWS data plane runs it (see the compiled_sql of
// reference/seed-run-a-job.txt): backtick identifiers, datasets as `narrative.datasets.ds_<id>`
// always aliased, nested attributes as `col['field']`, aliases without AS, BETWEEN spelled out.
// Spark 3.x without ANSI mode already has NQL's meaning for x / 0, failed casts and LIKE escapes.
import type { NqlType } from '../types.js';
import type { Dialect } from './dialect.js';
import { quoteWith } from './dialect.js';

const SCALARS: Record<string, string> = {
  string: 'STRING',
  long: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamptz: 'TIMESTAMP',
  date: 'DATE',
  interval: 'INTERVAL',
};

function sparkTypeName(type: NqlType): string {
  switch (type.type) {
    case 'array':
      return `ARRAY<${sparkTypeName(type.items)}>`;
    case 'object':
      return `STRUCT<${Object.entries(type.properties)
        .map(([name, t]) => `${quoteWith('`', name)}: ${sparkTypeName(t)}`)
        .join(', ')}>`;
    default:
      return SCALARS[type.type] ?? 'STRING';
  }
}

/** Spark string literals treat backslash as an escape, and '' is two adjacent literals, not a
 * quote: so both the backslash and the quote are backslash-escaped. `$` becomes `\u0024`:
 * Spark substitutes `${env:NAME}`-style variables in the raw SQL text, string literals included,
 * which would let a query read the executor's environment and configuration. */
function sparkString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\$/g, '\\u0024')}'`;
}

export const SPARK: Dialect = {
  id: 'spark',
  quoteIdentifier: (name) => quoteWith('`', name),
  stringLiteral: sparkString,
  // Dataset ids are integers, so the unquoted name is safe.
  datasetRelation: (id, delta) => `narrative.datasets.ds_${id}${delta ? '_delta' : ''}`,
  aliasSeparator: ' ',
  alwaysAliasDatasets: true,
  columnFieldAccess: 'bracket',
  arrayIndexBase: 0,
  expandBetween: true,
  nullIfDivisorZero: false,
  likeDefaultEscape: null,
  castKeyword: 'CAST',
  typeName: sparkTypeName,
  timestampLiteralKeyword: 'TIMESTAMP',
  extract: {
    DAYOFYEAR: (s) => `EXTRACT(DOY FROM ${s})`,
    // Spark's SECOND field carries the fraction (DECIMAL(8,6)); NQL's is whole seconds.
    SECOND: (s) => `CAST(EXTRACT(SECOND FROM ${s}) AS BIGINT)`,
  },
  supportsQualify: false,
};
