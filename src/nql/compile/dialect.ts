// A SQL dialect is data: quoting, relation naming and the capability flags through which the
// shared emitter bridges engine differences. The emitter reads these fields and never asks which
// dialect it is printing (it only uses `id` to pick a function's per-dialect rendering).
import type { ExtractField } from '../ast.js';
import type { DialectId } from '../functions.js';
import type { NqlType } from '../types.js';

export interface Dialect {
  id: DialectId;
  quoteIdentifier(name: string): string;
  stringLiteral(value: string): string;
  /** The FROM text of a dataset's relation (`"ds_6402"`, `narrative.datasets.ds_6402`). */
  datasetRelation(datasetId: number, delta: boolean): string;
  /** Written between an expression or relation and its alias: ' AS ' or ' '. */
  aliasSeparator: string;
  /** Write a dataset relation's alias even when it equals the relation's own name (Spark style). */
  alwaysAliasDatasets: boolean;
  /** Nested attributes of a column path: `"geo"."lat"` (dot) or `` `geo`['lat'] `` (bracket). */
  columnFieldAccess: 'dot' | 'bracket';
  /** First array position of the engine; NQL's `a[i]` counts from 0. */
  arrayIndexBase: 0 | 1;
  /** Spell `x BETWEEN a AND b` as `x >= a AND x <= b`. */
  expandBetween: boolean;
  /** Engine returns Infinity/errors for x / 0 where NQL yields NULL: wrap divisors in NULLIF(d, 0). */
  nullIfDivisorZero: boolean;
  /** ESCAPE added to LIKE patterns without one so `\` escapes as in NQL; null when it already does. */
  likeDefaultEscape: string | null;
  /** A failed conversion is NULL in NQL; engines that raise an error use TRY_CAST instead. */
  castKeyword: 'CAST' | 'TRY_CAST';
  /** Name of the engine type for an NQL type. */
  typeName(type: NqlType): string;
  /** Keyword of a `TIMESTAMP '...'` literal (an instant: DuckDB calls it TIMESTAMPTZ). */
  timestampLiteralKeyword: string;
  /** Renderings of EXTRACT fields whose engine name or numbering differs from NQL's. */
  extract: Partial<Record<ExtractField, (source: string) => string>>;
  /** Catalog functions (canonical names) the engine runs as `NAME(args)` with NQL's meaning. A
   * function needs this or a rendering for the dialect (`FunctionDef.render`); with neither,
   * compiling a call to it fails with NqlCompileError (see compile/unsupported.ts). */
  nativeFunctions: ReadonlySet<string>;
  /** Whether QUALIFY is understood; otherwise the emitter wraps the select and filters outside. */
  supportsQualify: boolean;
  /** A lateral `UNNEST` of one array, printed after CROSS JOIN: the element column and, when
   * `ordinality` is set, the position column must carry the given names. */
  unnest(array: string, names: UnnestNames): string;
  /** The first position the engine's ordinality column counts from; NQL's WITH ORDINALITY counts from 1. */
  ordinalityBase: 0 | 1;
}

export interface UnnestNames {
  alias: string;
  element: string;
  ordinality: string | null;
}

/** Quoting helper: wrap in `quote`, doubling any occurrence inside. */
export function quoteWith(quote: string, name: string): string {
  // Hot path of every compile: most names contain no quote character.
  return name.includes(quote) ? quote + name.replaceAll(quote, quote + quote) + quote : quote + name + quote;
}
