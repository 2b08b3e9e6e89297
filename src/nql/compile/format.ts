// Layout: clause keywords on their own line and items indented by two spaces (the layout of
// Narrative's compiled_sql), so compiled SQL stays readable in job inputs and logs. Newlines are
// only ever produced here, while printing, never by re-indenting printed text: a string literal
// may contain a newline, and its content must not change.
import type { EmitContext } from './emit-context.js';

/** A line break followed by the current depth's indentation. */
const BREAKS: string[] = [];

export function nl(ctx: EmitContext, extra = 0): string {
  const depth = ctx.depth + extra;
  return (BREAKS[depth] ??= `\n${'  '.repeat(depth)}`);
}

/** Runs `print` with the indentation depth set to `depth`. */
export function atDepth<R>(ctx: EmitContext, depth: number, print: () => R): R {
  const saved = ctx.depth;
  ctx.depth = depth;
  try {
    return print();
  } finally {
    ctx.depth = saved;
  }
}

/** `KEYWORD` then each item on its own line, one level deeper, comma-separated. */
export function clause(ctx: EmitContext, keyword: string, print: () => string[]): string {
  const items = atDepth(ctx, ctx.depth + 1, print);
  return `${keyword}${nl(ctx, 1)}${items.join(`,${nl(ctx, 1)}`)}`;
}
