// Numeric functions. Result types follow Spark: FLOOR/CEIL of a double are longs, SIGN is a double.
import type { FunctionDef } from './define.js';
import { arg, argType, expectArgs, literalOf, simple } from './define.js';
import type { NqlType } from '../types.js';
import { T, commonType, typeName } from '../types.js';

const toDouble = (name: string, description: string, minArgs = 1): FunctionDef =>
  simple({ name, kind: 'scalar', category: 'math', minArgs, args: ['numeric'], returns: T.double, signature: minArgs === 1 ? `${name}(x)` : `${name}(x, y)`, description });

const toLong = (name: string, duckdbName: string, description: string): FunctionDef =>
  simple({
    name,
    kind: 'scalar',
    category: 'math',
    minArgs: 1,
    args: ['numeric'],
    returns: T.long,
    signature: `${name}(x)`,
    description,
    // DuckDB keeps DOUBLE (or DECIMAL) here; Spark returns BIGINT.
    render: { duckdb: (c) => `CAST(${duckdbName}(${arg(c, 0)}) AS BIGINT)` },
  });

function greatestLeast(name: 'GREATEST' | 'LEAST'): FunctionDef {
  return {
    name,
    kind: 'scalar',
    category: 'math',
    minArgs: 2,
    maxArgs: Number.POSITIVE_INFINITY,
    signature: `${name}(x1, x2, ...)`,
    description: `The ${name === 'GREATEST' ? 'largest' : 'smallest'} non-NULL argument.`,
    infer(args) {
      let result: NqlType = argType(args, 0);
      for (let i = 1; i < args.length; i++) {
        const next = commonType(result, argType(args, i));
        if (!next) return `${name} arguments must share a type, got ${typeName(result)} and ${typeName(argType(args, i))}`;
        result = next;
      }
      return result;
    },
  };
}

export const MATH_FUNCTIONS: readonly FunctionDef[] = [
  simple({ name: 'ABS', kind: 'scalar', category: 'math', minArgs: 1, args: ['numeric'], returns: 'first-arg', signature: 'ABS(x)', description: 'Absolute value of x.' }),
  {
    name: 'ROUND',
    kind: 'scalar',
    category: 'math',
    minArgs: 1,
    maxArgs: 2,
    signature: 'ROUND(x[, d])',
    description: 'x rounded half away from zero to d (a literal, default 0) decimal places.',
    infer(args) {
      const d = literalOf(args, 1);
      if (args.length === 2 && !(typeof d === 'number' && Number.isInteger(d))) return 'ROUND places must be an integer literal';
      return expectArgs('ROUND', args, ['numeric']) ?? argType(args, 0);
    },
  },
  toLong('FLOOR', 'floor', 'Largest integer not above x, as long.'),
  toLong('CEIL', 'ceil', 'Smallest integer not below x, as long.'),
  toDouble('SQRT', 'Square root of x (x must not be negative).'),
  toDouble('EXP', 'e raised to x.'),
  toDouble('LN', 'Natural logarithm of x.'),
  toDouble('LOG10', 'Base-10 logarithm of x.'),
  toDouble('LOG2', 'Base-2 logarithm of x.'),
  toDouble('POWER', 'x raised to y.', 2),
  {
    ...simple({ name: 'MOD', kind: 'scalar', category: 'math', minArgs: 2, args: ['numeric'], returns: 'numeric-widen', signature: 'MOD(x, y)', description: 'Remainder of x / y with the sign of x; NULL when y is 0.' }),
    render: { duckdb: (c) => `(${arg(c, 0)} % ${arg(c, 1)})` },
  },
  {
    ...toDouble('SIGN', '-1.0, 0.0 or 1.0 by the sign of x.'),
    render: { duckdb: (c) => `CAST(sign(${arg(c, 0)}) AS DOUBLE)` },
  },
  greatestLeast('GREATEST'),
  greatestLeast('LEAST'),
];
