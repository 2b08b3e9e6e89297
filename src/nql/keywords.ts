import { CMV_OPTION_NAMES } from './parser/cmv-options.js';
/**
 * Keyword classes. NQL keywords are case-insensitive and mostly context-dependent; only the words below are
 * *reserved*, i.e. cannot be written unquoted where a name starts (a column, a table, a CTE). After a dot and after
 * `AS` any non-reserved word is a name, so `"timestamp_object".day` and `AS hour` work.
 *
 * TYPE, VALUE and USER are reserved because the NQL docs say they must be quoted as columns (Calcite reserves
 * VALUE and USER); rejecting them keeps jobplane from accepting queries Narrative would refuse.
 */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'ALL',
  'AND',
  'AS',
  'ASC',
  'BETWEEN',
  'BY',
  'CASE',
  'CAST',
  'CREATE',
  'CROSS',
  'CURRENT_DATE',
  'CURRENT_TIME',
  'CURRENT_TIMESTAMP',
  'DESC',
  'DISTINCT',
  'ELSE',
  'END',
  'ESCAPE',
  'EXCEPT',
  'EXISTS',
  'EXPLAIN',
  'EXTRACT',
  'FALSE',
  'FETCH',
  'FROM',
  'FULL',
  'GROUP',
  'HAVING',
  'ILIKE',
  'IN',
  'INNER',
  'INTERSECT',
  'INTERVAL',
  'IS',
  'JOIN',
  'LEFT',
  'LIKE',
  'LIMIT',
  'NATURAL',
  'NOT',
  'NULL',
  'OFFSET',
  'ON',
  'OR',
  'ORDER',
  'OUTER',
  'OVER',
  'QUALIFY',
  'RIGHT',
  'SELECT',
  'THEN',
  'TRUE',
  'TYPE',
  'UNION',
  'USER',
  'USING',
  'VALUE',
  'WHEN',
  'WHERE',
  'WINDOW',
  'WITH',
]);

/**
 * Words that end a select item or FROM item, so they are never read as an implicit alias (`FROM t BUDGET 5 USD`
 * must not alias `t` as BUDGET; a view option misplaced after the query should be reported as such). Reserved
 * words are included implicitly. `AS budget` still works.
 */
const NOT_IMPLICIT_ALIAS: ReadonlySet<string> = new Set([
  'BUDGET',
  'NO',
  'MERGE',
  'REFRESH_SCHEDULE',
  'DISPLAY_NAME',
  'WRITE_MODE',
  'EXTENDED_STATS',
  'PARTITIONED_BY',
]);

/** Reserved words that are also ordinary function names when followed by `(`: `LEFT(s, 3)`. */
export const RESERVED_FUNCTION_NAMES: ReadonlySet<string> = new Set(['LEFT', 'RIGHT']);

export function isReserved(upper: string): boolean {
  return RESERVED_WORDS.has(upper);
}

export function canBeImplicitAlias(upper: string): boolean {
  return !RESERVED_WORDS.has(upper) && !NOT_IMPLICIT_ALIAS.has(upper);
}

/** Keywords a user might misspell, for "did you mean" hints. */
const SUGGESTABLE = [
  'SELECT',
  'FROM',
  'WHERE',
  'GROUP',
  'HAVING',
  'QUALIFY',
  'ORDER',
  'LIMIT',
  'OFFSET',
  'UNION',
  'INTERSECT',
  'EXCEPT',
  'JOIN',
  'INNER',
  'LEFT',
  'RIGHT',
  'CROSS',
  'DISTINCT',
  'BETWEEN',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'CAST',
  'EXTRACT',
  'EXISTS',
  'PARTITION',
  'EXPLAIN',
  'CREATE',
  'MATERIALIZED',
  'VIEW',
  'WINDOW',
  'BUDGET',
  ...CMV_OPTION_NAMES,
];

/**
 * The keyword `word` most likely misspells (`FORM` -> `FROM`, `SELET` -> `SELECT`), or null. Only words of four or
 * more letters at edit distance 1 (2 for words of seven or more) count, so real names are rarely flagged.
 */
export function suggestKeyword(word: string): string | null {
  const upper = word.toUpperCase();
  if (upper.length < 4) return null;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const keyword of SUGGESTABLE) {
    if (keyword === upper) return null;
    if (Math.abs(keyword.length - upper.length) > 2) continue;
    const limit = keyword.length >= 7 ? 2 : 1;
    const d = editDistance(upper, keyword, limit);
    if (d <= limit && d < bestDistance) {
      best = keyword;
      bestDistance = d;
    }
  }
  return best;
}

/** Damerau-Levenshtein (optimal string alignment) distance, so a swap like FORM/FROM costs 1. */
function editDistance(a: string, b: string, limit: number): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(d);
    }
    rows.push(row);
    if (Math.min(...row) > limit) return limit + 1;
  }
  return (rows[a.length] as number[])[b.length] as number;
}
