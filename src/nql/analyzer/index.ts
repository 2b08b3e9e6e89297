// The analyzer: `collectDatasetRefs` says which datasets a statement names (the API looks them
// up for the caller's company), then `analyze` resolves and checks the statement against them and
// returns everything the compilers and the API need. Passes run in the order of PASSES; each
// reads what earlier ones left in the context. All errors are collected, then thrown together.
import type { Query, Statement } from '../ast.js';
import type { DatasetSchema } from '../schema.js';
import type { AnalysisContext, Bindings, OutputColumn, ResolvedDataset, StatementKind } from './context.js';
import { newBindings } from './context.js';
import { NqlAnalysisError } from './errors.js';
import { buildOutputSchema } from './output-schema.js';
import { resolveStatement } from './resolve.js';
import { extractViewSpec } from './view-options.js';
import type { ViewSpec } from './view-spec.js';

export interface Pass {
  name: string;
  run(ctx: AnalysisContext): void;
}

export const PASSES: readonly Pass[] = [
  { name: 'resolve', run: resolveStatement },
  { name: 'output-schema', run: (ctx) => void (ctx.outputSchema = buildOutputSchema(ctx)) },
  {
    name: 'view-options',
    run: (ctx) => {
      if (ctx.statement.kind === 'create_materialized_view') ctx.view = extractViewSpec(ctx.statement, ctx);
    },
  },
];

export interface Analysis {
  statement: Statement;
  kind: StatementKind;
  /** The query to compile: the statement's own, or the one inside EXPLAIN / CREATE MATERIALIZED VIEW. */
  query: Query;
  /** Ids of the datasets the statement reads, ascending. */
  datasetIds: number[];
  outputColumns: OutputColumn[];
  /** The result's schema in Narrative's dataset shape (the view dataset's schema for a CMV). */
  outputSchema: DatasetSchema;
  /** Present for CREATE MATERIALIZED VIEW. */
  view?: ViewSpec;
  /** Name resolution results, keyed by AST node; read by the compilers. */
  bindings: Bindings;
}

/**
 * Resolves and checks a parsed statement. `datasets` maps `refKey(ref)` of each ref returned by
 * `collectDatasetRefs` to the dataset the caller may read; a missing entry is an unknown dataset.
 * Pure and synchronous. Throws NqlAnalysisError listing every problem, in source order.
 */
export function analyze(statement: Statement, datasets: ReadonlyMap<string, ResolvedDataset>): Analysis {
  const ctx: AnalysisContext = {
    statement,
    kind: statement.kind,
    query: statement.query,
    datasets,
    errors: [],
    bindings: newBindings(),
    datasetIds: new Set(),
    usedRelationNames: null,
    generatedAliasCount: 0,
    outputColumns: [],
    outputSchema: { type: 'object', properties: {} },
    correlated: null,
    aggregateCalls: 0,
  };
  for (const pass of PASSES) pass.run(ctx);
  if (ctx.errors.length > 0) {
    const sorted = [...ctx.errors].sort((a, b) => a.span.start.offset - b.span.start.offset);
    throw new NqlAnalysisError(sorted);
  }
  const analysis: Analysis = {
    statement,
    kind: ctx.kind,
    query: ctx.query,
    datasetIds: [...ctx.datasetIds].sort((a, b) => a - b),
    outputColumns: ctx.outputColumns,
    outputSchema: ctx.outputSchema,
    bindings: ctx.bindings,
  };
  if (ctx.view) analysis.view = ctx.view;
  return analysis;
}

export { collectDatasetRefs, datasetRefOf, describeRef, refKey } from './dataset-refs.js';
export type { DatasetRef } from './dataset-refs.js';
export { NqlAnalysisError } from './errors.js';
export type { NqlAnalysisErrorCode } from './errors.js';
export type { Bindings, ColumnBinding, OutputColumn, ResolvedDataset, StatementKind } from './context.js';
export type { PartitionField, RetentionPolicy, ViewBudget, ViewSpec } from './view-spec.js';
export { MATERIALIZED_VIEW_TAG } from './view-spec.js';
