import { beforeAll, describe, expect, it } from 'vitest';
import { estimateGroups, forecast, type ForecastInput } from '../../src/plane/engine/forecast.js';
import { classifyPlan, type PlanNode } from '../../src/plane/engine/forecast-shape.js';
import { generateSampleDataset, SAMPLE_DATASET_SCHEMA } from '../../src/plane/sample-data/dataset-6402.js';
import type { DatasetSchema } from '../../src/core/dataset-schema.js';
import { snapshotDir } from '../../src/plane/storage/snapshot-layout.js';
import { writeSnapshot } from '../../src/plane/storage/write-snapshot.js';
import { usePlaneFixture } from './plane-fixtures.js';

const PRICE = 150_000; // $1.50 CPM = 150,000 micro-cents per row

describe('forecast on small inputs: exact', () => {
  const fx = usePlaneFixture();
  const schema: DatasetSchema = { type: 'object', properties: { id: { type: 'long' }, k: { type: 'long' } } };
  const inputs: ForecastInput[] = [];

  beforeAll(async () => {
    for (const [datasetId, rows] of [[1, 1000], [2, 10]] as const) {
      const written = await writeSnapshot(fx.engine, {
        sql: `SELECT range AS id, range % 7 AS k FROM range(${rows})`,
        outDir: snapshotDir(fx.root, datasetId, 1),
        schema,
      });
      inputs.push({ datasetId, schema, files: written.files.map((f) => f.path), rowCount: rows, priceMicroCentsPerRow: 0 });
    }
  });

  it('counts rows exactly and prices them per row', async () => {
    const priced = { ...inputs[0]!, priceMicroCentsPerRow: PRICE };
    const result = await forecast(fx.engine, 'SELECT id FROM ds_1 WHERE k = 3', [priced]);
    expect(result).toEqual({
      rows: 143,
      cost: 143 * PRICE,
      sampled: false,
      sample_rate: 1,
      method: 'exact',
      rows_low: 143,
      rows_high: 143,
    });
  });

  it("charges nothing for the company's own data and sums prices across a join", async () => {
    const own = await forecast(fx.engine, 'SELECT DISTINCT k FROM ds_1', [inputs[0]!]);
    expect(own).toMatchObject({ rows: 7, cost: 0 });
    const joined = await forecast(fx.engine, 'SELECT a.id FROM ds_1 a JOIN ds_2 b ON a.id = b.id', [
      { ...inputs[0]!, priceMicroCentsPerRow: 100 },
      { ...inputs[1]!, priceMicroCentsPerRow: 20 },
    ]);
    expect(joined).toMatchObject({ rows: 10, cost: 10 * 120, method: 'exact' });
  });

  it('counts window queries exactly even above the limit: LAG over a sample would pair different rows', async () => {
    const sql = `SELECT id, lag(id) OVER (PARTITION BY k ORDER BY id) AS prev FROM ds_1`;
    const result = await forecast(fx.engine, sql, [inputs[0]!], { exactRowLimit: 100, sampleRows: 100 });
    expect(result).toMatchObject({ rows: 1000, sampled: false, method: 'exact' });
    const grouped = await forecast(fx.engine, 'SELECT k FROM ds_1 GROUP BY k', [inputs[0]!], {
      exactRowLimit: 100,
      sampleRows: 500,
    });
    expect(grouped).toMatchObject({ rows: 7, sampled: true, method: 'grouped' });
  });

  it('forecasts an empty dataset as zero rows', async () => {
    const empty: ForecastInput = { datasetId: 3, schema, files: [], rowCount: 0, priceMicroCentsPerRow: PRICE };
    expect(await forecast(fx.engine, 'SELECT * FROM ds_3', [empty])).toMatchObject({ rows: 0, cost: 0 });
  });
});

describe('forecast on a large input: sampled', () => {
  const fx = usePlaneFixture();
  let input: ForecastInput;
  // Modest sizes keep the file fast: 1.2M rows (over the 1M exact limit) sampled at r = 0.25.
  const ROWS = 1_200_000;
  const SAMPLE = { sampleRows: 300_000 };

  beforeAll(async () => {
    const written = await generateSampleDataset(fx.engine, snapshotDir(fx.root, 6402, 1), { rows: ROWS });
    input = {
      datasetId: 6402,
      schema: SAMPLE_DATASET_SCHEMA,
      files: written.files.map((f) => f.path),
      rowCount: written.rowCount,
      priceMicroCentsPerRow: PRICE,
    };
  });

  const truth = async (sql: string): Promise<number> =>
    (await forecast(fx.engine, sql, [input], { exactRowLimit: Infinity })).rows;

  it('scales a filtered count by 1/r, within 2% and inside its own bounds', async () => {
    const sql = `SELECT mobile_id_unique_identifier['value'] AS id FROM ds_6402 WHERE country_code = 'US' AND horizontal_accuracy < 50`;
    const estimate = await forecast(fx.engine, sql, [input], SAMPLE);
    const exact = await truth(sql);
    expect(estimate).toMatchObject({ sampled: true, method: 'linear' });
    expect(estimate.sample_rate).toBeCloseTo(0.25, 2);
    expect(Math.abs(estimate.rows - exact) / exact).toBeLessThan(0.02);
    expect(exact).toBeGreaterThanOrEqual(estimate.rows_low);
    expect(exact).toBeLessThanOrEqual(estimate.rows_high);
    expect(estimate.cost).toBe(estimate.rows * PRICE);
  });

  it('estimates a GROUP BY from two nested samples, within 10% and inside its bounds', async () => {
    const sql = `SELECT mobile_id_unique_identifier['value'] AS id, timestamp_object['day'] AS day FROM ds_6402 GROUP BY ALL`;
    const estimate = await forecast(fx.engine, sql, [input], SAMPLE);
    const exact = await truth(sql);
    expect(estimate).toMatchObject({ sampled: true, method: 'grouped' });
    expect(Math.abs(estimate.rows - exact) / exact).toBeLessThan(0.1);
    expect(exact).toBeGreaterThanOrEqual(estimate.rows_low);
    expect(exact).toBeLessThanOrEqual(estimate.rows_high);
  });

  it('leaves the session bound to the full dataset afterwards', async () => {
    await forecast(fx.engine, `SELECT * FROM ds_6402 WHERE country_code = 'CA'`, [input], SAMPLE);
    expect(await fx.engine.run('SELECT count(*) AS n FROM ds_6402')).toEqual([{ n: ROWS }]);
  });
});

describe('estimator pieces', () => {
  it('groups: all singletons scale by 1/r, saturated groups do not scale, and results stay in bounds', () => {
    expect(estimateGroups(1000, 500, 0.1)).toBeCloseTo(10000);
    expect(estimateGroups(1000, 1000, 0.1)).toBe(1000);
    const middle = estimateGroups(1000, 700, 0.1);
    expect(middle).toBeGreaterThan(1000);
    expect(middle).toBeLessThan(10000);
    expect(estimateGroups(0, 0, 0.1)).toBe(0);
    // Uniform groups of 5 rows, G = 10,000, r = 0.1: s1 = G(1-0.9^5), s2 = G(1-0.95^5).
    const s1 = 10000 * (1 - 0.9 ** 5);
    const s2 = 10000 * (1 - 0.95 ** 5);
    expect(estimateGroups(s1, s2, 0.1)).toBeCloseTo(10000, 0);
  });

  it('classifies plans', () => {
    const node = (name: string, ...children: PlanNode[]): PlanNode => ({ name, children });
    const scan = node('READ_PARQUET');
    expect(classifyPlan([node('PROJECTION', node('FILTER', scan))])).toBe('linear');
    expect(classifyPlan([node('ORDER_BY', node('HASH_GROUP_BY', node('PROJECTION', scan)))])).toBe('grouped');
    expect(classifyPlan([node('FILTER', node('HASH_GROUP_BY', scan))])).toBe('other'); // HAVING
    expect(classifyPlan([node('PROJECTION', node('WINDOW', scan))])).toBe('other');
    expect(classifyPlan([node('HASH_JOIN', scan, scan)])).toBe('other');
    expect(classifyPlan([node('UNGROUPED_AGGREGATE', scan)])).toBe('other');
    expect(classifyPlan([node('STREAMING_LIMIT', scan)])).toBe('other');
  });
});
