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

// Catalog functions Spark runs as NAME(args) with NQL's meaning: NQL functions are Spark's (Spark
// 3.4+ built-ins; docs/nql-functions.md). A catalog function neither listed here nor given a `spark`
// rendering in src/nql/functions/ is refused at compile time.
const NATIVE_FUNCTIONS: ReadonlySet<string> = new Set([
  'COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'APPROX_COUNT_DISTINCT', 'STDDEV', 'STDDEV_SAMP', 'STDDEV_POP',
  'VARIANCE', 'VAR_SAMP', 'VAR_POP', 'COUNT_IF', 'BOOL_AND', 'BOOL_OR', 'MAX_BY', 'MIN_BY', 'COLLECT_LIST',
  'COLLECT_SET', 'PERCENTILE_APPROX', 'ROW_NUMBER', 'RANK', 'DENSE_RANK', 'PERCENT_RANK', 'CUME_DIST',
  'NTILE', 'LAG', 'LEAD', 'FIRST_VALUE', 'LAST_VALUE', 'NTH_VALUE', 'LOWER', 'UPPER', 'TRIM', 'LTRIM',
  'RTRIM', 'REVERSE', 'LENGTH', 'SUBSTRING', 'LEFT', 'RIGHT', 'CONCAT', 'CONCAT_WS', 'REPLACE', 'INSTR',
  'LPAD', 'RPAD', 'SPLIT', 'REGEXP_EXTRACT', 'REGEXP_REPLACE', 'ABS', 'ROUND', 'FLOOR', 'CEIL', 'SQRT',
  'EXP', 'LN', 'LOG10', 'LOG2', 'POWER', 'MOD', 'SIGN', 'GREATEST', 'LEAST', 'DATE_TRUNC', 'DATE_ADD',
  'DATE_SUB', 'DATEDIFF', 'ADD_MONTHS', 'YEAR', 'QUARTER', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND',
  'DAYOFYEAR', 'WEEKOFYEAR', 'DAYOFWEEK', 'UNIX_TIMESTAMP', 'FROM_UNIXTIME', 'TO_TIMESTAMP', 'TO_DATE',
  'COALESCE', 'NVL', 'IFNULL', 'NULLIF', 'IF', 'SIZE', 'ELEMENT_AT', 'ARRAY_CONTAINS', 'ARRAY_JOIN', 'MD5',
  'SHA1', 'SHA2',
]);

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
  nativeFunctions: NATIVE_FUNCTIONS,
  // Spark has no UNNEST; since 3.4 a generator may be a lateral table-valued function in FROM
  // (`CROSS JOIN LATERAL explode(a) u(x)`, Spark 4.0 tests `SELECT * FROM t3, LATERAL EXPLODE(c2) t2(v)`).
  // posexplode yields (pos, col), pos counting from 0. Both yield no row for a NULL or empty array.
  unnest: (array, n) => {
    const q = (name: string) => quoteWith('`', name);
    if (n.ordinality === null) return `LATERAL explode(${array}) ${q(n.alias)}(${q(n.element)})`;
    return `LATERAL posexplode(${array}) ${q(n.alias)}(${q(n.ordinality)}, ${q(n.element)})`;
  },
  ordinalityBase: 0,
};
