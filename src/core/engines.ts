/**
 * The SQL engines a data plane can run on, declared once. A plane's `engine` decides two things: the SQL dialect
 * its jobs are compiled to (`src/nql/compile`, one dialect per engine, same id) and the operator that runs them
 * (`src/plane/engine` for DuckDB, `src/plane/spark` for Spark). The API schemas, the CLI and the SDK read this list.
 */
export const ENGINES = ['duckdb', 'spark'] as const;
export type Engine = (typeof ENGINES)[number];

/** The zero-setup default: DuckDB inside the operator, Parquet files on local disk. */
export const DEFAULT_ENGINE: Engine = 'duckdb';

export function isEngine(value: unknown): value is Engine {
  return typeof value === 'string' && (ENGINES as readonly string[]).includes(value);
}
