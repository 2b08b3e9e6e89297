/**
 * nql-forecast on Spark: `SELECT count(*) FROM (<compiled SQL>)` over the inputs' current snapshots, exact (no
 * sampling: the compiled SQL names its tables, and Spark SQL offers no per-session way to swap a table for a
 * sample without rewriting that SQL). Its error is therefore 0 (rows_low = rows_high = rows); its price is a full
 * run of the query minus the write. Cost, in micro-cents USD, as on DuckDB: rows x the summed per-row prices
 * (`_price_cpm_usd` x 100,000) of the input datasets of other companies.
 */
import type { Job } from '../../client/types.js';
import type { JobContext } from '../operator/types.js';
import { jobTag } from './materialize.js';
import { rowsOf } from './arrow-values.js';
import { bindSparkInputs, declaredInputs } from './spark-inputs.js';
import type { SparkPlane } from './spark-plane.js';

export interface ForecastInput {
  nql: string;
  compiled_sql: string;
}

export async function forecastOnSpark(job: Job, plane: SparkPlane, ctx: JobContext) {
  const input = job.input as unknown as ForecastInput;
  await plane.ready(ctx.signal);
  const session = await plane.connect.openSession(ctx.signal);
  try {
    const inputs = await bindSparkInputs(session, plane, declaredInputs(job), ctx.signal);
    const sql = `SELECT count(*) AS n FROM (${input.compiled_sql.replace(/;\s*$/, '')}) AS forecast`;
    const res = await session.query(sql, {
      signal: ctx.signal, tags: [jobTag(job.job_id)], onProgress: (p) => ctx.progress({ phase: 'count', ...p } as never),
    });
    const rows = Number(rowsOf(res.batches)[0]?.['n'] ?? 0);
    const pricePerRow = inputs.reduce((sum, i) => sum + (i.info.company_id === job.company_id ? 0 : Math.round(i.info.price_cpm_usd * 100_000)), 0);
    return {
      rows, cost: Math.round(rows * pricePerRow), nql_type: 'forecast' as const, type: 'success' as const,
      sampled: false, sample_rate: 1, method: 'exact' as const, rows_low: rows, rows_high: rows,
    };
  } finally {
    await session.release();
  }
}
