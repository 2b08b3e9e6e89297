// Pass: name resolution and typing of the whole query (see resolve-query.ts and friends).
import type { AnalysisContext } from './context.js';
import { resolveQuery } from './resolve-query.js';

export function resolveStatement(ctx: AnalysisContext): void {
  ctx.outputColumns = resolveQuery(ctx.query, ctx, null, null);
}
