import { describe, expect, it } from 'vitest';
import {
  generateSampleDataset,
  SAMPLE_DATASET_ID,
  SAMPLE_DATASET_SCHEMA,
} from '../../src/plane/sample-data/dataset-6402.js';
import { SEED_QUERY_DUCKDB } from '../../src/plane/sample-data/seed-query.js';
import { bindDatasets } from '../../src/plane/storage/bind-datasets.js';
import { attributeOfDuckType } from '../../src/plane/engine/duckdb-types.js';
import { snapshotDir } from '../../src/plane/storage/snapshot-layout.js';
import type { WrittenSnapshot } from '../../src/plane/storage/write-snapshot.js';
import { usePlaneFixture } from './plane-fixtures.js';

const ROWS = 200_000; // the shape is the same at 1M; bench/plane-engine.ts times the full size

describe('sample dataset 6402', () => {
  const fx = usePlaneFixture();
  let snapshotCounter = 0;

  const generate = async (seed: number): Promise<WrittenSnapshot> =>
    generateSampleDataset(fx.engine, snapshotDir(fx.root, SAMPLE_DATASET_ID, ++snapshotCounter), { rows: ROWS, seed });

  const checksum = async (written: WrittenSnapshot): Promise<unknown> => {
    await bindDatasets(fx.engine, [
      { datasetId: SAMPLE_DATASET_ID, schema: SAMPLE_DATASET_SCHEMA, files: written.files.map((f) => f.path) },
    ]);
    // Order-independent: the Parquet row order may differ between runs, the rows may not.
    const [row] = await fx.engine.run(
      `SELECT count(*) AS n, sum(hash(mobile_id_unique_identifier, timestamp_object, geographic_location, ` +
        `event_timestamp, hashed_email, country_code, horizontal_accuracy)) AS checksum FROM ds_6402`,
    );
    return row;
  };

  it('is deterministic: the same seed gives the same rows, another seed other rows', async () => {
    const a = await checksum(await generate(6402));
    const b = await checksum(await generate(6402));
    const c = await checksum(await generate(7));
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    expect((a as { n: number }).n).toBe(ROWS);
  });

  it('has the declared schema', async () => {
    const written = await generate(6402);
    await bindDatasets(fx.engine, [
      { datasetId: SAMPLE_DATASET_ID, schema: SAMPLE_DATASET_SCHEMA, files: written.files.map((f) => f.path) },
    ]);
    const columns = await fx.engine.describe('SELECT * FROM ds_6402');
    const actual = Object.fromEntries(columns.map((c) => [c.name, attributeOfDuckType(c.type)]));
    expect(actual).toEqual(SAMPLE_DATASET_SCHEMA.properties);
  });

  it('keeps devices at places: most consecutive pings of a device are 40..120 minutes apart, same place', async () => {
    const [row] = await fx.engine.run(`
      SELECT avg(CASE WHEN same_place AND gap_min BETWEEN 40 AND 120 THEN 1 ELSE 0 END) AS stay_share
      FROM (
        SELECT geographic_location = lag(geographic_location) OVER w AS same_place,
               (epoch(event_timestamp) - epoch(lag(event_timestamp) OVER w)) / 60 AS gap_min
        FROM ds_6402 WHERE mobile_id_unique_identifier['value'] IS NOT NULL
        WINDOW w AS (PARTITION BY mobile_id_unique_identifier['value'] ORDER BY event_timestamp)
      ) WHERE gap_min IS NOT NULL`);
    expect(Number(row?.['stay_share'])).toBeGreaterThan(0.7); // 3 of every 4 gaps are inside a stay
  });

  it("answers the seed's continuous-presence query with a non-trivial result", async () => {
    const [row] = await fx.engine.run(`SELECT count(*) AS n, count(DISTINCT mobile_id) AS devices FROM (${SEED_QUERY_DUCKDB})`);
    expect(Number(row?.['n'])).toBeGreaterThan(1000);
    expect(Number(row?.['devices'])).toBeGreaterThan(100);
    expect(Number(row?.['n'])).toBeLessThan(ROWS / 2); // a filter, not everything
  });
});
