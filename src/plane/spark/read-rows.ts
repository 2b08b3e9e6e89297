/**
 * Rows for previews on a Spark plane (datasets_sample, nql-preview): at most MAX_PREVIEW_ROWS rows of one SELECT, as
 * JSON by the DuckDB plane's rules (arrow-values.ts). A sample names its snapshot (`VERSION AS OF` the Iceberg id,
 * which also reads a committed snapshot not yet published); a preview runs its compiled SQL over the inputs'
 * current snapshots, bound as for any Spark job (spark-inputs.ts).
 */
import type { Job } from '../../client/types.js';
import { MAX_PREVIEW_ROWS } from '../../core/job-types.js';
import type { JobContext } from '../operator/types.js';
import { columnsOf, rowsOf } from './arrow-values.js';
import { IcebergTable } from './iceberg/iceberg-table.js';
import { matchesJobplaneId } from './iceberg/snapshot-ids.js';
import { jobTag } from './materialize.js';
import { SparkError } from './spark-errors.js';
import { bindSparkInputs, declaredInputs } from './spark-inputs.js';
import type { SparkPlane } from './spark-plane.js';

export async function previewOnSpark(job: Job, plane: SparkPlane, ctx: JobContext, sql: string) {
  await plane.ready(ctx.signal);
  const session = await plane.connect.openSession(ctx.signal);
  try {
    await bindSparkInputs(session, plane, declaredInputs(job), ctx.signal);
    const res = await session.query(`SELECT * FROM (${sql.replace(/;\s*$/, '')}) AS q LIMIT ${MAX_PREVIEW_ROWS}`, { signal: ctx.signal, tags: [jobTag(job.job_id)] });
    const rows = rowsOf(res.batches);
    return { columns: columnsOf(res.batches), rows, row_count: rows.length };
  } finally {
    await session.release();
  }
}

export async function sampleOnSpark(job: Job, plane: SparkPlane, ctx: JobContext) {
  const input = job.input as unknown as { dataset_id: number; snapshot_id: number; limit: number; offset: number };
  await plane.ready(ctx.signal);
  const session = await plane.connect.openSession(ctx.signal);
  try {
    const table = new IcebergTable(session, input.dataset_id);
    const iceberg = (await table.snapshots(ctx.signal)).find((s) => matchesJobplaneId(s.snapshotId, input.snapshot_id));
    if (!iceberg) throw new SparkError(`snapshot ${input.snapshot_id} of dataset ${input.dataset_id} is not in ${table.name}`, 'execution');
    const limit = Math.min(Math.trunc(input.limit), MAX_PREVIEW_ROWS);
    const res = await session.query(
      `SELECT * FROM ${table.name} VERSION AS OF ${BigInt(iceberg.snapshotId)} LIMIT ${limit} OFFSET ${Math.trunc(input.offset)}`,
      { signal: ctx.signal, tags: [jobTag(job.job_id)] });
    const rows = rowsOf(res.batches);
    const snapshot = await plane.catalog.snapshot(input.dataset_id, input.snapshot_id, ctx.signal);
    return { columns: columnsOf(res.batches), rows, row_count: rows.length, offset: input.offset, limit: input.limit, total_rows: snapshot.row_count };
  } finally {
    await session.release();
  }
}
