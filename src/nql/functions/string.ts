// String functions. Regular expressions use Spark's (Java) meaning where it differs from DuckDB's
// (RE2) defaults: REGEXP_EXTRACT returns group 1 by default, REGEXP_REPLACE replaces every match,
// SPLIT splits on a pattern. Patterns themselves must stay within the syntax both engines share.
import type { FunctionDef, RenderCall } from './define.js';
import { arg, expectArgs, literalOf, renamed, simple } from './define.js';
import { T, arrayOf } from '../types.js';

const oneString = (name: string, description: string, returns = T.string as typeof T.string | typeof T.long): FunctionDef =>
  simple({ name, kind: 'scalar', category: 'string', minArgs: 1, args: ['string'], returns, signature: `${name}(s)`, description });

/** DuckDB's concat() skips NULLs; Spark's (and NQL's) CONCAT is NULL if any argument is. `||` is
 * NULL-propagating in DuckDB, so it carries the NQL meaning. */
function concatWithNulls(c: RenderCall): string {
  return `(${c.args.join(' || ')})`;
}

export const STRING_FUNCTIONS: readonly FunctionDef[] = [
  oneString('LOWER', 'Lower-case s.'),
  oneString('UPPER', 'Upper-case s.'),
  oneString('TRIM', 's without leading and trailing spaces.'),
  oneString('LTRIM', 's without leading spaces.'),
  oneString('RTRIM', 's without trailing spaces.'),
  oneString('REVERSE', 's with its characters in reverse order.'),
  oneString('LENGTH', 'Number of characters in s.', T.long),
  simple({
    name: 'SUBSTRING',
    kind: 'scalar',
    category: 'string',
    minArgs: 2,
    maxArgs: 3,
    args: ['string', 'numeric'],
    returns: T.string,
    signature: 'SUBSTRING(s, pos[, len])',
    description: 'Characters of s from position pos (1-based), at most len of them.',
  }),
  simple({ name: 'LEFT', kind: 'scalar', category: 'string', minArgs: 2, args: ['string', 'numeric'], returns: T.string, signature: 'LEFT(s, n)', description: 'The first n characters of s.' }),
  simple({ name: 'RIGHT', kind: 'scalar', category: 'string', minArgs: 2, args: ['string', 'numeric'], returns: T.string, signature: 'RIGHT(s, n)', description: 'The last n characters of s.' }),
  simple({
    name: 'CONCAT',
    kind: 'scalar',
    category: 'string',
    minArgs: 1,
    maxArgs: Number.POSITIVE_INFINITY,
    args: ['string'],
    returns: T.string,
    signature: 'CONCAT(s1, s2, ...)',
    description: 'Concatenation of strings; NULL if any argument is NULL. CAST non-strings first.',
    render: { duckdb: concatWithNulls },
  }),
  simple({
    name: 'CONCAT_WS',
    kind: 'scalar',
    category: 'string',
    minArgs: 2,
    maxArgs: Number.POSITIVE_INFINITY,
    args: ['string'],
    returns: T.string,
    signature: 'CONCAT_WS(sep, s1, s2, ...)',
    description: 'Strings joined by sep, skipping NULLs.',
  }),
  simple({ name: 'REPLACE', kind: 'scalar', category: 'string', minArgs: 3, args: ['string'], returns: T.string, signature: 'REPLACE(s, search, replacement)', description: 'Every occurrence of search in s replaced (plain text, not a pattern).' }),
  simple({ name: 'INSTR', kind: 'scalar', category: 'string', minArgs: 2, args: ['string'], returns: T.long, signature: 'INSTR(s, sub)', description: '1-based position of the first sub in s, 0 if absent.' }),
  {
    ...simple({ name: 'LPAD', kind: 'scalar', category: 'string', minArgs: 2, maxArgs: 3, args: ['string', 'numeric', 'string'], returns: T.string, signature: 'LPAD(s, len[, pad])', description: 's left-padded with pad (default space) to len characters.' }),
    render: { duckdb: (c) => `lpad(${arg(c, 0)}, ${arg(c, 1)}, ${c.args[2] ?? "' '"})` },
  },
  {
    ...simple({ name: 'RPAD', kind: 'scalar', category: 'string', minArgs: 2, maxArgs: 3, args: ['string', 'numeric', 'string'], returns: T.string, signature: 'RPAD(s, len[, pad])', description: 's right-padded with pad (default space) to len characters.' }),
    render: { duckdb: (c) => `rpad(${arg(c, 0)}, ${arg(c, 1)}, ${c.args[2] ?? "' '"})` },
  },
  simple({
    name: 'SPLIT',
    kind: 'scalar',
    category: 'string',
    minArgs: 2,
    args: ['string'],
    returns: arrayOf(T.string),
    signature: 'SPLIT(s, pattern)',
    description: 'Array of the parts of s between matches of the regular expression pattern.',
    render: { duckdb: renamed('regexp_split_to_array') },
  }),
  simple({
    name: 'REGEXP_LIKE',
    kind: 'scalar',
    category: 'string',
    minArgs: 2,
    args: ['string'],
    returns: T.boolean,
    signature: 'REGEXP_LIKE(s, pattern)',
    description: 'True when pattern matches anywhere in s.',
    render: { duckdb: renamed('regexp_matches'), spark: renamed('RLIKE') },
  }),
  {
    name: 'REGEXP_EXTRACT',
    kind: 'scalar',
    category: 'string',
    minArgs: 2,
    maxArgs: 3,
    signature: 'REGEXP_EXTRACT(s, pattern[, group])',
    description: 'The text matched by capture group `group` (a literal, default 1) of the first match; empty string if none.',
    infer: (args) => {
      const group = literalOf(args, 2);
      if (args.length === 3 && !(typeof group === 'number' && Number.isInteger(group) && group >= 0)) {
        return 'REGEXP_EXTRACT group must be a non-negative integer literal';
      }
      return expectArgs('REGEXP_EXTRACT', args, ['string', 'string', 'numeric']) ?? T.string;
    },
    // DuckDB's default group is 0 (the whole match); Spark's is 1.
    render: { duckdb: (c) => `regexp_extract(${arg(c, 0)}, ${arg(c, 1)}, ${c.args[2] ?? '1'})` },
  },
  simple({
    name: 'REGEXP_REPLACE',
    kind: 'scalar',
    category: 'string',
    minArgs: 3,
    args: ['string'],
    returns: T.string,
    signature: 'REGEXP_REPLACE(s, pattern, replacement)',
    description: 'Every match of pattern in s replaced. Back-references differ by engine: avoid them.',
    // DuckDB replaces only the first match unless given the 'g' option.
    render: { duckdb: (c) => `regexp_replace(${arg(c, 0)}, ${arg(c, 1)}, ${arg(c, 2)}, 'g')` },
  }),
];
