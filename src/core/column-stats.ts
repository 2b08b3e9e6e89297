/**
 * Column statistics of a snapshot, as every data plane reports them and the control plane stores them
 * (`column_stats`): per column and nested attribute (dotted paths), row count, null count, approximate distinct
 * count, min and max. Each engine computes them in its own module (DuckDB: src/plane/engine/column-stats.ts,
 * Spark: src/plane/spark/iceberg/column-stats.ts) by the same rules.
 */
/** A JSON value (min and max are an attribute's values as JSON: numbers, strings, dates as text, ...). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface ColumnStats {
  /** Dotted attribute path. */
  path: string;
  /** Narrative type (`long`, `object{...}`), or the engine's type when it has no Narrative equivalent. */
  type: string;
  row_count: number;
  null_count: number;
  approx_distinct_count: number | null;
  min: JsonValue;
  max: JsonValue;
}

export interface SnapshotStats {
  row_count: number;
  columns: ColumnStats[];
}

/** String min/max are cut to this many characters, so one long value cannot bloat the stats row. */
export const MAX_STRING_STAT = 256;
