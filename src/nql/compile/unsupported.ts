// No silent fallbacks: a function the target dialect cannot render is refused at compile time
// (sqlglot's UnsupportedError), naming the function, the dialect and the position, instead of being
// printed as NAME(args) for the engine to reject at run time. Checked for every call before any
// SQL is printed, so all such calls are reported at once.
import type { Analysis } from '../analyzer/index.js';
import { NqlAnalysisError } from '../analyzer/errors.js';
import type { NqlErrorDetail } from '../errors.js';
import type { FunctionDef, Rendering } from '../functions.js';
import { FUNCTION_LIST } from '../functions.js';
import type { Dialect } from './dialect.js';

/**
 * A statement that analyzes but cannot be compiled for the target dialect. A subclass of
 * NqlAnalysisError, so callers that map analysis errors to a 400 problem map this one too; each
 * detail has code `unsupported`.
 */
export class NqlCompileError extends NqlAnalysisError {
  constructor(errors: NqlErrorDetail[]) {
    super(errors);
    this.name = 'NqlCompileError';
  }
}

/** Per dialect, each function's rendering (null: none), decided once: this runs for every call of
 * every compiled statement. */
const RENDERINGS = new WeakMap<Dialect, Map<FunctionDef, Rendering | null>>();

/** How `def` is printed in `dialect`: its rendering, the engine's same-named function, or undefined. */
export function renderingFor(def: FunctionDef, dialect: Dialect): Rendering | undefined {
  let byDef = RENDERINGS.get(dialect);
  if (!byDef) RENDERINGS.set(dialect, (byDef = new Map()));
  let rendering = byDef.get(def);
  if (rendering === undefined) {
    rendering = def.render?.[dialect.id] ?? (dialect.nativeFunctions.has(def.name) ? { name: def.name } : null);
    byDef.set(def, rendering);
  }
  return rendering ?? undefined;
}

/** Dialects that render every catalog function: no statement can fail the check, so it is skipped. */
const COMPLETE = new WeakMap<Dialect, boolean>();

function rendersWholeCatalog(dialect: Dialect): boolean {
  let complete = COMPLETE.get(dialect);
  if (complete === undefined) COMPLETE.set(dialect, (complete = FUNCTION_LIST.every((def) => renderingFor(def, dialect) !== undefined)));
  return complete;
}

export function assertCompilable(analysis: Analysis, dialect: Dialect): void {
  if (rendersWholeCatalog(dialect)) return;
  const errors: NqlErrorDetail[] = [];
  for (const [call, def] of analysis.bindings.calls) {
    if (renderingFor(def, dialect)) continue;
    const span = call.name.span;
    errors.push({
      code: 'unsupported',
      message: `function ${def.name} has no rendering for the ${dialect.id} dialect: this data plane's engine cannot run it`,
      line: span.start.line,
      column: span.start.column,
      span,
    });
  }
  if (errors.length > 0) throw new NqlCompileError(errors.sort((a, b) => a.span.start.offset - b.span.start.offset));
}
