/**
 * The job types jobplane knows, declared once. Each type's other facets live in the layer that owns them and are
 * keyed by this list, so the compiler refuses a type that lacks one:
 * - input and result schemas: src/api/schemas/job-inputs.ts (`satisfies Record<BuiltinJobType, ...>`);
 * - control-plane hooks (what a create must check, what a completion commits): src/api/job-types.ts;
 * - plane handlers: src/plane/handlers/<type>.ts (DuckDB) and src/plane/spark/handlers/<type>.ts (Spark), checked by
 *   test/plane/handler-coverage.test.ts.
 * Servers may accept more types (`JOBPLANE_EXTRA_JOB_TYPES`): free-form input, run by handlers users bring.
 */
export const BUILTIN_JOB_TYPES = {
  'materialize-view': {
    summary: 'Runs a view\'s compiled SELECT and commits the rows as a new snapshot of the view\'s dataset.',
    /** Created by CREATE MATERIALIZED VIEW and by refreshes; writes the dataset its input names. */
    writesDataset: true,
  },
  'nql-forecast': {
    summary: 'EXPLAIN: how many rows a query returns and what they cost, in micro-cents USD.',
    writesDataset: false,
  },
  datasets_sample: {
    summary: 'Reads at most 1,000 rows of one snapshot (the rows endpoint), through the plane that holds it.',
    writesDataset: false,
  },
  'nql-preview': {
    summary: 'Runs a bare SELECT ... LIMIT n (n <= 1,000) and returns its rows as the result.',
    writesDataset: false,
  },
  datasets_calculate_column_stats: {
    summary: 'Recomputes the column statistics of one snapshot (POST /datasets/{id}/columns-stats/recalculate).',
    writesDataset: false,
  },
} as const satisfies Record<string, { summary: string; writesDataset: boolean }>;

export type BuiltinJobType = keyof typeof BUILTIN_JOB_TYPES;
export const BUILTIN_JOB_TYPE_IDS = Object.keys(BUILTIN_JOB_TYPES) as BuiltinJobType[];

export function isBuiltinJobType(type: string): type is BuiltinJobType {
  return Object.prototype.hasOwnProperty.call(BUILTIN_JOB_TYPES, type);
}

/** How a job type's id is written: what `JOBPLANE_EXTRA_JOB_TYPES` and the API accept. */
export const JOB_TYPE_PATTERN = '^[a-z][a-z0-9_-]*$';

/** Rows a preview or sample returns at most (one page of the rows endpoint). */
export const MAX_PREVIEW_ROWS = 1_000;
