// Aggregate functions. NQL follows Spark's meaning (Narrative's main engine); DuckDB renderings
// bridge where DuckDB differs, e.g. DuckDB's list() keeps NULLs and returns NULL for an empty group.
import type { FunctionDef, RenderCall } from './define.js';
import { arg, argType, call, expectArgs, literalOf, renamed, simple } from './define.js';
import { T, arrayOf, isWildcard, typeName } from '../types.js';

function listWithoutNulls(c: RenderCall): string {
  const x = arg(c, 0);
  const filter = c.filter ? `(${c.filter}) AND ${x} IS NOT NULL` : `${x} IS NOT NULL`;
  // coalesce gives Spark's [] for a group without non-NULL values.
  return `coalesce(${call('list', { ...c, filter })}, [])`;
}

const scalarOnly = (name: string) => (args: readonly { type: { type: string } }[]) =>
  args[0] && (args[0].type.type === 'object' || args[0].type.type === 'array')
    ? `${name} cannot aggregate ${args[0].type.type} values`
    : undefined;

const statistic = (name: string, description: string): FunctionDef =>
  simple({ name, kind: 'aggregate', category: 'aggregate', minArgs: 1, args: ['numeric'], returns: T.double, signature: `${name}(x)`, description });

export const AGGREGATE_FUNCTIONS: readonly FunctionDef[] = [
  {
    name: 'COUNT',
    kind: 'aggregate',
    category: 'aggregate',
    minArgs: 1,
    maxArgs: 1,
    allowDistinct: true,
    signature: 'COUNT([DISTINCT] x)',
    description: 'Number of rows where x is not NULL. NQL has no COUNT(*): write COUNT(1).',
    infer: () => T.long,
  },
  {
    name: 'SUM',
    kind: 'aggregate',
    category: 'aggregate',
    minArgs: 1,
    maxArgs: 1,
    allowDistinct: true,
    signature: 'SUM([DISTINCT] x)',
    description: 'Sum of x: long for long input, double otherwise.',
    infer: (args) => expectArgs('SUM', args, ['numeric']) ?? (argType(args, 0).type === 'double' ? T.double : T.long),
    // DuckDB widens SUM(BIGINT) to HUGEINT; cast back so both engines yield a 64-bit long.
    render: { duckdb: (c) => (c.types[0]?.type === 'double' ? call('sum', c) : `CAST(${call('sum', c)} AS BIGINT)`) },
  },
  simple({ name: 'AVG', kind: 'aggregate', category: 'aggregate', minArgs: 1, args: ['numeric'], returns: T.double, allowDistinct: true, signature: 'AVG([DISTINCT] x)', description: 'Arithmetic mean of x, as double.' }),
  {
    name: 'MIN',
    kind: 'aggregate',
    category: 'aggregate',
    minArgs: 1,
    maxArgs: 1,
    signature: 'MIN(x)',
    description: 'Smallest non-NULL x.',
    infer: (args) => scalarOnly('MIN')(args) ?? argType(args, 0),
  },
  {
    name: 'MAX',
    kind: 'aggregate',
    category: 'aggregate',
    minArgs: 1,
    maxArgs: 1,
    signature: 'MAX(x)',
    description: 'Largest non-NULL x.',
    infer: (args) => scalarOnly('MAX')(args) ?? argType(args, 0),
  },
  {
    name: 'APPROX_COUNT_DISTINCT',
    kind: 'aggregate',
    category: 'aggregate',
    minArgs: 1,
    maxArgs: 1,
    signature: 'APPROX_COUNT_DISTINCT(x)',
    description: 'HyperLogLog estimate of the number of distinct x (engines differ slightly in the estimate).',
    infer: () => T.long,
  },
  statistic('STDDEV', 'Sample standard deviation (same as STDDEV_SAMP).'),
  statistic('STDDEV_SAMP', 'Sample standard deviation.'),
  statistic('STDDEV_POP', 'Population standard deviation.'),
  statistic('VARIANCE', 'Sample variance (same as VAR_SAMP).'),
  statistic('VAR_SAMP', 'Sample variance.'),
  statistic('VAR_POP', 'Population variance.'),
  {
    name: 'COUNT_IF',
    kind: 'aggregate',
    category: 'aggregate',
    minArgs: 1,
    maxArgs: 1,
    signature: 'COUNT_IF(condition)',
    description: 'Number of rows where the condition is true.',
    infer: (args) =>
      argType(args, 0).type === 'boolean' || isWildcard(argType(args, 0))
        ? T.long
        : `COUNT_IF expects a boolean condition, got ${typeName(argType(args, 0))}`,
    // DuckDB's count_if returns HUGEINT.
    render: { duckdb: (c) => `CAST(${call('count_if', c)} AS BIGINT)` },
  },
  {
    name: 'BOOL_AND',
    kind: 'aggregate',
    category: 'aggregate',
    minArgs: 1,
    maxArgs: 1,
    signature: 'BOOL_AND(condition)',
    description: 'True when the condition holds for every non-NULL row.',
    infer: (args) => (argType(args, 0).type === 'boolean' || isWildcard(argType(args, 0)) ? T.boolean : 'BOOL_AND expects a boolean'),
  },
  {
    name: 'BOOL_OR',
    kind: 'aggregate',
    category: 'aggregate',
    minArgs: 1,
    maxArgs: 1,
    signature: 'BOOL_OR(condition)',
    description: 'True when the condition holds for some row.',
    infer: (args) => (argType(args, 0).type === 'boolean' || isWildcard(argType(args, 0)) ? T.boolean : 'BOOL_OR expects a boolean'),
  },
  {
    name: 'MAX_BY',
    kind: 'aggregate',
    category: 'aggregate',
    minArgs: 2,
    maxArgs: 2,
    signature: 'MAX_BY(x, y)',
    description: 'The x of the row with the largest y.',
    infer: (args) => argType(args, 0),
    render: { duckdb: renamed('arg_max') },
  },
  {
    name: 'MIN_BY',
    kind: 'aggregate',
    category: 'aggregate',
    minArgs: 2,
    maxArgs: 2,
    signature: 'MIN_BY(x, y)',
    description: 'The x of the row with the smallest y.',
    infer: (args) => argType(args, 0),
    render: { duckdb: renamed('arg_min') },
  },
  {
    name: 'COLLECT_LIST',
    kind: 'aggregate',
    category: 'aggregate',
    minArgs: 1,
    maxArgs: 1,
    signature: 'COLLECT_LIST(x)',
    description: 'Array of the non-NULL x values (empty array for none); element order is not defined.',
    infer: (args) => arrayOf(argType(args, 0)),
    render: { duckdb: listWithoutNulls },
  },
  {
    name: 'COLLECT_SET',
    kind: 'aggregate',
    category: 'aggregate',
    minArgs: 1,
    maxArgs: 1,
    signature: 'COLLECT_SET(x)',
    description: 'Array of the distinct non-NULL x values; element order is not defined.',
    infer: (args) => arrayOf(argType(args, 0)),
    render: { duckdb: (c) => listWithoutNulls({ ...c, distinct: true }) },
  },
  {
    name: 'PERCENTILE_APPROX',
    kind: 'aggregate',
    category: 'aggregate',
    minArgs: 2,
    maxArgs: 2,
    signature: 'PERCENTILE_APPROX(x, p)',
    description: 'Approximate p-th percentile of x, p a literal in [0, 1] (engines use different sketches).',
    infer: (args) => {
      const p = literalOf(args, 1);
      if (typeof p !== 'number' || p < 0 || p > 1) return 'PERCENTILE_APPROX needs a literal percentile between 0 and 1';
      return expectArgs('PERCENTILE_APPROX', args, ['numeric']) ?? argType(args, 0);
    },
    render: { duckdb: renamed('approx_quantile') },
  },
];
