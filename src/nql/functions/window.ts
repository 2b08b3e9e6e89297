// Window-only functions (they require OVER). Aggregates may also take OVER; see aggregate.ts.
import type { ArgInfo, FunctionDef } from './define.js';
import { argType, literalOf } from './define.js';
import type { NqlType } from '../types.js';
import { T, commonType, typeName } from '../types.js';

function ranking(name: string, returns: NqlType, description: string): FunctionDef {
  return { name, kind: 'window', category: 'window', minArgs: 0, maxArgs: 0, signature: `${name}()`, description, infer: () => returns };
}

function positiveLiteral(args: readonly ArgInfo[], index: number, what: string, fn: string): string | undefined {
  if (args.length <= index) return undefined;
  const value = literalOf(args, index);
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
    ? undefined
    : `${fn} ${what} must be a non-negative integer literal`;
}

function offsetFunction(name: 'LAG' | 'LEAD', direction: string): FunctionDef {
  return {
    name,
    kind: 'window',
    category: 'window',
    minArgs: 1,
    maxArgs: 3,
    signature: `${name}(x[, offset[, default]])`,
    description: `x from the row \`offset\` rows (default 1) ${direction} the current one in the window order, or \`default\` (NULL).`,
    infer(args) {
      const bad = positiveLiteral(args, 1, 'offset', name);
      if (bad) return bad;
      const x = argType(args, 0);
      if (args.length < 3) return x;
      const common = commonType(x, argType(args, 2));
      return common ?? `${name} default must have the type of x (${typeName(x)}), got ${typeName(argType(args, 2))}`;
    },
  };
}

export const WINDOW_FUNCTIONS: readonly FunctionDef[] = [
  ranking('ROW_NUMBER', T.long, 'Sequential number of the row within its partition, from 1.'),
  ranking('RANK', T.long, 'Rank with gaps for ties.'),
  ranking('DENSE_RANK', T.long, 'Rank without gaps for ties.'),
  ranking('PERCENT_RANK', T.double, '(rank - 1) / (rows in partition - 1).'),
  ranking('CUME_DIST', T.double, 'Fraction of partition rows ordered at or before the current row.'),
  {
    name: 'NTILE',
    kind: 'window',
    category: 'window',
    minArgs: 1,
    maxArgs: 1,
    signature: 'NTILE(n)',
    description: 'Bucket number 1..n of the row, splitting the partition as evenly as possible.',
    infer: (args) => {
      const n = literalOf(args, 0);
      return typeof n === 'number' && Number.isInteger(n) && n > 0 ? T.long : 'NTILE needs a positive integer literal';
    },
  },
  offsetFunction('LAG', 'before'),
  offsetFunction('LEAD', 'after'),
  {
    name: 'FIRST_VALUE',
    kind: 'window',
    category: 'window',
    minArgs: 1,
    maxArgs: 1,
    signature: 'FIRST_VALUE(x)',
    description: 'x of the first row of the window frame.',
    infer: (args) => argType(args, 0),
  },
  {
    name: 'LAST_VALUE',
    kind: 'window',
    category: 'window',
    minArgs: 1,
    maxArgs: 1,
    signature: 'LAST_VALUE(x)',
    description: 'x of the last row of the window frame (with ORDER BY the default frame ends at the current row).',
    infer: (args) => argType(args, 0),
  },
  {
    name: 'NTH_VALUE',
    kind: 'window',
    category: 'window',
    minArgs: 2,
    maxArgs: 2,
    signature: 'NTH_VALUE(x, n)',
    description: 'x of the n-th row (from 1) of the window frame.',
    infer: (args) => {
      const n = literalOf(args, 1);
      return typeof n === 'number' && Number.isInteger(n) && n > 0 ? argType(args, 0) : 'NTH_VALUE needs a positive integer literal n';
    },
  },
];
