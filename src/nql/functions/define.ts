// The shape of one allow-listed NQL function, and small builders the catalog files share.
// A function is data: arity, a type rule and, only where an engine differs from NQL's meaning,
// a per-dialect rendering. The emitter looks renderings up by dialect id; it never branches on it.
import type { Engine } from '../../core/engines.js';
import type { NqlType } from '../types.js';
import { T, isNumeric, isStringLike, isTemporal, typeName } from '../types.js';

/** A compile target. Declared once, as the engines a data plane can run (src/core/engines.ts):
 * each engine has exactly one dialect, with the same id (compile/index.ts `DIALECTS`). */
export type DialectId = Engine;
export type FunctionKind = 'scalar' | 'aggregate' | 'window';
export type FunctionCategory =
  | 'aggregate'
  | 'window'
  | 'string'
  | 'math'
  | 'datetime'
  | 'conditional'
  | 'array'
  | 'hash';

/** What the analyzer knows about an argument when it checks a call. */
export interface ArgInfo {
  type: NqlType;
  /** Set when the argument is a literal (numbers, strings, booleans); some functions need one. */
  literal?: string | number | boolean | null;
}

/** An already-emitted call, handed to a dialect rendering. `args` are SQL texts the emitter built
 * from the AST (never user text); `filter` is the FILTER condition's SQL or ''; `over` is '' or
 * ' OVER (...)'. */
export interface RenderCall {
  args: readonly string[];
  types: readonly NqlType[];
  distinct: boolean;
  filter: string;
  over: string;
}
export type Rendering = { name: string } | ((call: RenderCall) => string);

export interface FunctionDef {
  /** Canonical upper-case name, as NQL users write it. */
  name: string;
  kind: FunctionKind;
  category: FunctionCategory;
  minArgs: number;
  maxArgs: number;
  /** For docs and error messages, e.g. `SUBSTRING(str, pos[, len])`. */
  signature: string;
  description: string;
  /** Result type, or an error message naming what is wrong with the arguments. */
  infer(args: readonly ArgInfo[]): NqlType | string;
  /** Only where an engine needs something other than `NAME(args)`. */
  render?: Partial<Record<DialectId, Rendering>>;
  /** `COUNT(DISTINCT x)` and friends. */
  allowDistinct?: boolean;
}

export function argType(args: readonly ArgInfo[], index: number): NqlType {
  return args[index]?.type ?? T.unknown;
}

type Check = (t: NqlType) => boolean;
const CHECKS: Record<string, Check> = {
  numeric: isNumeric,
  string: isStringLike,
  'date or timestamp': isTemporal,
  any: () => true,
};

/** Checks each argument against a kind; the last kind repeats for variadic functions. */
export function expectArgs(
  name: string,
  args: readonly ArgInfo[],
  kinds: readonly (keyof typeof CHECKS)[],
): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const kind = kinds[Math.min(i, kinds.length - 1)];
    if (kind === undefined) break;
    const check = CHECKS[kind];
    const t = argType(args, i);
    if (check && !check(t)) return `${name} argument ${i + 1} must be ${kind}, got ${typeName(t)}`;
  }
  return undefined;
}

/** A function whose arguments have fixed kinds and whose result type is fixed or follows argument 1. */
export function simple(
  def: Omit<FunctionDef, 'infer' | 'maxArgs'> & {
    maxArgs?: number;
    args: readonly (keyof typeof CHECKS)[];
    returns: NqlType | 'first-arg' | 'numeric-widen';
  },
): FunctionDef {
  const { args: kinds, returns, ...rest } = def;
  return {
    maxArgs: def.minArgs,
    ...rest,
    infer(args) {
      const problem = expectArgs(def.name, args, kinds);
      if (problem) return problem;
      if (returns === 'first-arg') return argType(args, 0);
      if (returns === 'numeric-widen') return args.some((a) => a.type.type === 'double') ? T.double : argType(args, 0);
      return returns;
    },
  };
}

/** Rendering that only renames the function. */
export function renamed(name: string): Rendering {
  return { name };
}

/** `name([DISTINCT] args) [FILTER (WHERE ...)] [OVER ...]`: the default rendering of every call. */
export function call(name: string, c: RenderCall, args: readonly string[] = c.args): string {
  const filter = c.filter ? ` FILTER (WHERE ${c.filter})` : '';
  return `${name}(${c.distinct ? 'DISTINCT ' : ''}${args.join(', ')})${filter}${c.over}`;
}

export function arg(c: RenderCall, index: number): string {
  const sql = c.args[index];
  if (sql === undefined) throw new Error(`internal: rendering needs argument ${index + 1}`);
  return sql;
}

/** Literal argument helper for functions that need a constant (units, bit lengths, offsets). */
export function literalOf(args: readonly ArgInfo[], index: number): ArgInfo['literal'] | undefined {
  const a = args[index];
  return a && 'literal' in a ? a.literal : undefined;
}
