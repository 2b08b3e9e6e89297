/**
 * nql-forecast: how many rows would a query return, and what would they cost?
 *
 * - Inputs totalling <= exactRowLimit (1M) rows, and queries whose shape does not survive sampling (joins,
 *   windows, LIMIT, HAVING; see forecast-shape.ts): exact, `SELECT count(*) FROM (<sql>)` on the full inputs.
 * - Otherwise every input is bound to a row sample at rate r = sampleRows / total rows (about 1M rows read):
 *   a row is kept when hash(file name, row number in file) falls below r. Unlike TABLESAMPLE this is
 *   deterministic whatever the thread count, and the sample at r/2 is a subset of the sample at r.
 *   - linear shapes: rows = count / r (unbiased; binomial error, bounds at 3 sigma).
 *   - grouped shapes: estimateGroups() from the counts at r and r/2, bounded by [count at r, count at r / r].
 * Cost, in micro-cents USD: rows x the sum of the per-row prices of the input datasets (a dataset's
 * _price_cpm_usd x 100,000; 0 for the company's own data). Exact for one input and for joins (each output row
 * uses a row of each input); an upper bound for UNION ALL of priced datasets. docs/forecast.md has the
 * measured errors.
 */
import { bindDatasets, type DatasetBinding } from '../storage/bind-datasets.js';
import type { QueryOptions, SqlRunner } from './duck-session.js';
import { forecastShape } from './forecast-shape.js';
import { datasetRelationName, sqlIdent, sqlStringList, withoutTrailingSemicolons } from './sql-text.js';

export interface ForecastInput extends DatasetBinding {
  /** Rows in the bound snapshot (its manifest's row count). */
  rowCount: number;
  /** Price per row in micro-cents USD: _price_cpm_usd x 100,000; 0 for the company's own data. */
  priceMicroCentsPerRow: number;
}

export interface ForecastOptions extends QueryOptions {
  /** Inputs with at most this many rows in total are counted exactly. Default 1,000,000. */
  exactRowLimit?: number;
  /** Target number of input rows read when sampling. Default 1,000,000. */
  sampleRows?: number;
}

export interface ForecastResult {
  rows: number;
  /** Micro-cents USD. */
  cost: number;
  sampled: boolean;
  /** Fraction of input rows read: 1 when exact. */
  sample_rate: number;
  method: 'exact' | 'linear' | 'grouped';
  /** Plausible range of `rows` (equal to it when exact). */
  rows_low: number;
  rows_high: number;
}

/** Sampling resolution: thresholds are integers out of this. */
const HASH_BUCKETS = 1_000_000;

export async function forecast(
  engine: SqlRunner,
  compiledSql: string,
  inputs: readonly ForecastInput[],
  options: ForecastOptions = {},
): Promise<ForecastResult> {
  const sql = withoutTrailingSemicolons(compiledSql);
  const { signal } = options;
  const pricePerRow = inputs.reduce((sum, i) => sum + Math.max(0, i.priceMicroCentsPerRow), 0);
  const totalRows = inputs.reduce((sum, i) => sum + i.rowCount, 0);
  const finish = (r: Omit<ForecastResult, 'cost'>): ForecastResult => ({ ...r, cost: Math.round(r.rows * pricePerRow) });

  await bindDatasets(engine, inputs, { signal });
  await engine.describe(sql, { signal });

  const exact = async (): Promise<ForecastResult> => {
    const rows = await countRows(engine, sql, options);
    return finish({ rows, sampled: false, sample_rate: 1, method: 'exact', rows_low: rows, rows_high: rows });
  };
  if (totalRows <= (options.exactRowLimit ?? 1_000_000)) return exact();
  const shape = await forecastShape(engine, sql, { signal });
  if (shape === 'other') return exact();

  const threshold = Math.max(2, Math.round(((options.sampleRows ?? 1_000_000) / totalRows) * HASH_BUCKETS));
  if (threshold >= HASH_BUCKETS) return exact();
  const rate = threshold / HASH_BUCKETS;
  try {
    await bindSampled(engine, inputs, threshold, options);
    const s1 = await countRows(engine, sql, options);
    if (shape === 'linear') {
      const rows = Math.round(s1 / rate);
      const sigma = Math.sqrt(s1 * (1 - rate)) / rate;
      return finish({
        rows,
        sampled: true,
        sample_rate: rate,
        method: 'linear',
        rows_low: Math.max(0, Math.floor(rows - 3 * sigma)),
        rows_high: Math.ceil(rows + 3 * sigma),
      });
    }
    await bindSampled(engine, inputs, Math.floor(threshold / 2), options);
    const s2 = await countRows(engine, sql, options);
    const rows = Math.round(estimateGroups(s1, s2, rate));
    return finish({
      rows,
      sampled: true,
      sample_rate: rate,
      method: 'grouped',
      rows_low: s1,
      rows_high: Math.ceil(s1 / rate),
    });
  } finally {
    // Leave the session as we found it: full bindings, so a later statement never reads a sample by mistake.
    // If this fails too (engine shutting down), the error that brought us here is the one to report.
    await bindDatasets(engine, inputs).catch(() => undefined);
  }
}

/**
 * Number of groups in the full data from the group counts s1 (sample at rate r) and s2 (nested sample at r/2).
 *
 * Model: G groups of n rows each; a group shows up in a sample at rate q with probability 1-(1-q)^n, so
 * s1/s2 = (1-(1-r)^n) / (1-(1-r/2)^n), which falls from 2 (n = 1: groups are single rows, the count is
 * linear) to 1 (n large: every group is seen already). We solve for n, then G = s1 / (1-(1-r)^n), clamped to
 * [s1, s1/r], which holds whatever the real group sizes are. Skewed group sizes bias this within that range.
 */
export function estimateGroups(s1: number, s2: number, rate: number): number {
  if (s1 <= 0) return 0;
  const upper = s1 / rate;
  if (s2 <= 0) return Math.sqrt(s1 * upper); // no shape information: the geometric middle of the bounds
  const ratio = s1 / s2;
  if (ratio >= 2 - 1e-9) return upper;
  if (ratio <= 1 + 1e-9) return s1;
  const seen = (q: number, n: number): number => 1 - Math.exp(n * Math.log1p(-q));
  const ratioAt = (n: number): number => seen(rate, n) / seen(rate / 2, n);
  // ratioAt decreases in n; bisect on log(n) over [1, 1e12].
  let lo = 0;
  let hi = Math.log(1e12);
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (ratioAt(Math.exp(mid)) > ratio) lo = mid;
    else hi = mid;
  }
  const groups = s1 / seen(rate, Math.exp((lo + hi) / 2));
  return Math.min(upper, Math.max(s1, groups));
}

async function countRows(engine: SqlRunner, sql: string, options: QueryOptions): Promise<number> {
  const rows = await engine.run(`SELECT count(*) AS n FROM (${sql}) AS forecast_q`, options);
  return Number(rows[0]?.['n'] ?? 0);
}

/** Rebinds every non-empty input to the rows whose hash bucket is below `threshold`. */
async function bindSampled(
  engine: SqlRunner,
  inputs: readonly ForecastInput[],
  threshold: number,
  options: QueryOptions,
): Promise<void> {
  for (const input of inputs) {
    if (input.files.length === 0) continue;
    const name = sqlIdent(datasetRelationName(input.datasetId));
    // Virtual columns filename/file_row_number are excluded again, so the view keeps the dataset's shape.
    await engine.run(
      `CREATE OR REPLACE TEMP VIEW ${name} AS SELECT * EXCLUDE (filename, file_row_number) ` +
        `FROM read_parquet(${sqlStringList(input.files)}, filename = true, file_row_number = true) ` +
        `WHERE hash(filename, file_row_number) % ${HASH_BUCKETS} < ${threshold}`,
      options,
    );
  }
}
