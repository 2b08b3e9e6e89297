// Conditional, array and hashing functions.
import type { FunctionDef } from './define.js';
import { arg, argType, expectArgs, literalOf, renamed, simple } from './define.js';
import type { NqlType } from '../types.js';
import { T, commonType, isBooleanLike, isNumeric, isWildcard, typeName } from '../types.js';

function commonOf(name: string, types: readonly NqlType[]): NqlType | string {
  let result: NqlType = types[0] ?? T.unknown;
  for (const t of types.slice(1)) {
    const next = commonType(result, t);
    if (!next) return `${name} arguments must share a type, got ${typeName(result)} and ${typeName(t)}`;
    result = next;
  }
  return result;
}

function arrayArg(name: string, t: NqlType): string | undefined {
  return t.type === 'array' || isWildcard(t) ? undefined : `${name} expects an array, got ${typeName(t)}`;
}

function coalesceLike(name: string, minArgs: number, maxArgs: number, description: string): FunctionDef {
  return {
    name,
    kind: 'scalar',
    category: 'conditional',
    minArgs,
    maxArgs,
    signature: maxArgs === 2 ? `${name}(x, y)` : `${name}(x1, x2, ...)`,
    description,
    infer: (args) => commonOf(name, args.map((a) => a.type)),
    render: { duckdb: renamed('coalesce') },
  };
}

const hash = (name: string, description: string): FunctionDef =>
  simple({ name, kind: 'scalar', category: 'hash', minArgs: 1, args: ['string'], returns: T.string, signature: `${name}(s)`, description });

export const MISC_FUNCTIONS: readonly FunctionDef[] = [
  coalesceLike('COALESCE', 1, Number.POSITIVE_INFINITY, 'The first non-NULL argument.'),
  coalesceLike('NVL', 2, 2, 'y when x is NULL, else x.'),
  coalesceLike('IFNULL', 2, 2, 'y when x is NULL, else x.'),
  {
    name: 'NULLIF',
    kind: 'scalar',
    category: 'conditional',
    minArgs: 2,
    maxArgs: 2,
    signature: 'NULLIF(x, y)',
    description: 'NULL when x = y, else x.',
    infer: (args) => {
      const common = commonOf('NULLIF', args.map((a) => a.type));
      return typeof common === 'string' ? common : argType(args, 0);
    },
  },
  {
    name: 'IF',
    kind: 'scalar',
    category: 'conditional',
    minArgs: 3,
    maxArgs: 3,
    signature: 'IF(condition, then, else)',
    description: '`then` when the condition is true, else `else` (also when it is NULL).',
    infer: (args) =>
      isBooleanLike(argType(args, 0))
        ? commonOf('IF', [argType(args, 1), argType(args, 2)])
        : `IF condition must be boolean, got ${typeName(argType(args, 0))}`,
    render: { duckdb: (c) => `CASE WHEN ${arg(c, 0)} THEN ${arg(c, 1)} ELSE ${arg(c, 2)} END` },
  },
  {
    name: 'SIZE',
    kind: 'scalar',
    category: 'array',
    minArgs: 1,
    maxArgs: 1,
    signature: 'SIZE(a)',
    description: 'Number of elements of the array a (NULL for NULL; Spark 3 without ANSI mode returns -1).',
    infer: (args) => arrayArg('SIZE', argType(args, 0)) ?? T.long,
    render: { duckdb: renamed('len') },
  },
  {
    name: 'ELEMENT_AT',
    kind: 'scalar',
    category: 'array',
    minArgs: 2,
    maxArgs: 2,
    signature: 'ELEMENT_AT(a, i)',
    description: 'Element i of the array a counting from 1 (negative: from the end); NULL when out of range. Note `a[i]` counts from 0.',
    infer: (args) => {
      const a = argType(args, 0);
      const bad = arrayArg('ELEMENT_AT', a) ?? (isNumeric(argType(args, 1)) ? undefined : 'ELEMENT_AT index must be numeric');
      if (bad) return bad;
      return a.type === 'array' ? a.items : T.unknown;
    },
    render: { duckdb: renamed('list_extract') },
  },
  {
    name: 'ARRAY_CONTAINS',
    kind: 'scalar',
    category: 'array',
    minArgs: 2,
    maxArgs: 2,
    signature: 'ARRAY_CONTAINS(a, x)',
    description: 'True when the array a contains x.',
    infer: (args) => {
      const a = argType(args, 0);
      const bad = arrayArg('ARRAY_CONTAINS', a);
      if (bad) return bad;
      if (a.type === 'array' && !commonType(a.items, argType(args, 1))) {
        return `ARRAY_CONTAINS cannot look for ${typeName(argType(args, 1))} in ${typeName(a)}`;
      }
      return T.boolean;
    },
    render: { duckdb: renamed('list_contains') },
  },
  {
    name: 'ARRAY_JOIN',
    kind: 'scalar',
    category: 'array',
    minArgs: 2,
    maxArgs: 2,
    signature: 'ARRAY_JOIN(a, sep)',
    description: 'The string elements of a joined by sep, skipping NULLs.',
    infer: (args) => {
      const a = argType(args, 0);
      const bad = arrayArg('ARRAY_JOIN', a);
      if (bad) return bad;
      if (a.type === 'array' && !(a.items.type === 'string' || isWildcard(a.items))) return 'ARRAY_JOIN expects an array of strings';
      return expectArgs('ARRAY_JOIN', args, ['any', 'string']) ?? T.string;
    },
    render: { duckdb: renamed('array_to_string') },
  },
  hash('MD5', 'Hex MD5 digest of s.'),
  hash('SHA1', 'Hex SHA-1 digest of s.'),
  {
    name: 'SHA2',
    kind: 'scalar',
    category: 'hash',
    minArgs: 2,
    maxArgs: 2,
    signature: 'SHA2(s, 256)',
    description: 'Hex SHA-256 digest of s (256 is the only bit length offered).',
    infer: (args) => (literalOf(args, 1) === 256 ? expectArgs('SHA2', args, ['string', 'any']) ?? T.string : 'SHA2 supports only 256 bits: SHA2(s, 256)'),
    render: { duckdb: (c) => `sha256(${arg(c, 0)})` },
  },
];
