/**
 * Makes datasets visible to compiled SQL under the names the NQL compiler emits: `ds_<dataset_id>`.
 *
 * Bindings are TEMP views, private to the engine session (DuckDB connection) they are created on, so two jobs
 * on two sessions can bind different snapshots of the same dataset. The view reads exactly the files of one
 * snapshot manifest, listed explicitly (no globs: a glob would also see files of uncommitted attempts).
 */
import type { QueryOptions, SqlRunner } from '../engine/duck-session.js';
import { datasetRelationName, sqlIdent, sqlStringList } from '../engine/sql-text.js';
import { emptyRelationSql } from '../engine/duckdb-types.js';
import { type DatasetSchema } from '../../core/dataset-schema.js';

export interface DatasetBinding {
  datasetId: number;
  /** Narrative schema of the dataset; used for the empty relation when the snapshot has no files. */
  schema: DatasetSchema;
  /** Absolute paths of the snapshot's Parquet files (the manifest), possibly empty. */
  files: readonly string[];
}

/** The relation text for one snapshot: its Parquet files, or an empty relation typed by the schema. */
export function datasetRelationSql(binding: Pick<DatasetBinding, 'schema' | 'files'>): string {
  return binding.files.length === 0
    ? emptyRelationSql(binding.schema)
    : `SELECT * FROM read_parquet(${sqlStringList(binding.files)})`;
}

export async function bindDatasets(
  engine: SqlRunner,
  inputs: readonly DatasetBinding[],
  options: QueryOptions = {},
): Promise<void> {
  for (const input of inputs) {
    const name = sqlIdent(datasetRelationName(input.datasetId));
    await engine.run(`CREATE OR REPLACE TEMP VIEW ${name} AS ${datasetRelationSql(input)}`, options);
  }
}

/** Drops bindings made by bindDatasets, e.g. before a session is reused for another job. */
export async function unbindDatasets(engine: SqlRunner, datasetIds: readonly number[]): Promise<void> {
  for (const id of datasetIds) await engine.run(`DROP VIEW IF EXISTS ${sqlIdent(datasetRelationName(id))}`);
}
