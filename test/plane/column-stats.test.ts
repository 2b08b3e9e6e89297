import { describe, expect, it } from 'vitest';
import { computeColumnStats } from '../../src/plane/engine/column-stats.js';
import type { DatasetSchema } from '../../src/core/dataset-schema.js';
import { newSnapshotId, snapshotDir } from '../../src/plane/storage/snapshot-layout.js';
import { writeSnapshot } from '../../src/plane/storage/write-snapshot.js';
import { usePlaneFixture } from './plane-fixtures.js';

const SCHEMA: DatasetSchema = {
  type: 'object',
  properties: {
    id: { type: 'long' },
    name: { type: 'string' },
    geo: { type: 'object', properties: { lat: { type: 'double' }, lon: { type: 'double' } } },
    tags: { type: 'array', items: { type: 'string' } },
    seen_at: { type: 'timestamptz' },
    flag: { type: 'boolean' },
    day: { type: 'date' },
  },
};

// Four rows, checked by hand below. Row 2 has a null object (geo), row 3 a null leaf inside an object.
const ROWS = `SELECT * FROM (VALUES
  (1, 'b', {'lat': 10.5, 'lon': -1.0}, ['x'], TIMESTAMPTZ '2024-01-01 00:00:00+00', true, DATE '2024-01-01'),
  (2, NULL, NULL, NULL, TIMESTAMPTZ '2024-01-02 12:00:00+00', false, NULL),
  (3, 'a', {'lat': NULL, 'lon': 5.0}, ['x', 'y'], NULL, NULL, DATE '2024-01-03'),
  (9007199254740993, 'b', {'lat': 10.5, 'lon': -1.0}, ['x'], TIMESTAMPTZ '2024-01-01 00:00:00+00', true, DATE '2024-01-01')
) AS t(id, name, geo, tags, seen_at, flag, day)`;

describe('column stats', () => {
  const fx = usePlaneFixture();

  it('computes counts, nulls, distincts, min and max per column and nested attribute', async () => {
    const written = await writeSnapshot(fx.engine, {
      sql: ROWS,
      outDir: snapshotDir(fx.root, 1, newSnapshotId()),
      schema: SCHEMA,
    });
    const stats = await computeColumnStats(fx.engine, { files: written.files.map((f) => f.path), schema: SCHEMA });
    expect(stats.row_count).toBe(4);
    const byPath = Object.fromEntries(stats.columns.map(({ path, ...rest }) => [path, rest]));
    expect(Object.keys(byPath)).toEqual(['id', 'name', 'geo', 'geo.lat', 'geo.lon', 'tags', 'seen_at', 'flag', 'day']);

    const n = { row_count: 4 };
    expect(byPath['id']).toEqual({ ...n, type: 'long', null_count: 0, approx_distinct_count: 4, min: 1, max: '9007199254740993' });
    expect(byPath['name']).toEqual({ ...n, type: 'string', null_count: 1, approx_distinct_count: 2, min: 'a', max: 'b' });
    expect(byPath['geo']).toEqual({ ...n, type: 'object', null_count: 1, approx_distinct_count: null, min: null, max: null });
    // geo.lat is null in row 2 (whole object null) and row 3 (leaf null).
    expect(byPath['geo.lat']).toEqual({ ...n, type: 'double', null_count: 2, approx_distinct_count: 1, min: 10.5, max: 10.5 });
    expect(byPath['geo.lon']).toEqual({ ...n, type: 'double', null_count: 1, approx_distinct_count: 2, min: -1, max: 5 });
    expect(byPath['tags']).toEqual({ ...n, type: 'array<string>', null_count: 1, approx_distinct_count: 2, min: null, max: null });
    expect(byPath['seen_at']).toEqual({
      ...n,
      type: 'timestamptz',
      null_count: 1,
      approx_distinct_count: 2,
      min: '2024-01-01T00:00:00.000000Z',
      max: '2024-01-02T12:00:00.000000Z',
    });
    expect(byPath['flag']).toEqual({ ...n, type: 'boolean', null_count: 1, approx_distinct_count: 2, min: false, max: true });
    expect(byPath['day']).toEqual({ ...n, type: 'date', null_count: 1, approx_distinct_count: 2, min: '2024-01-01', max: '2024-01-03' });
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats); // JSON-safe through and through
  });

  it('reads several files in one pass and cuts long strings', async () => {
    const outDir = snapshotDir(fx.root, 2, newSnapshotId());
    const written = await writeSnapshot(fx.engine, {
      sql: `SELECT range AS id, repeat(md5(range::VARCHAR), 10) AS s FROM range(200000)`,
      outDir,
      maxFileBytes: 1024 * 1024,
    });
    expect(written.files.length).toBeGreaterThan(1);
    const stats = await computeColumnStats(fx.engine, {
      files: written.files.map((f) => f.path),
      schema: { type: 'object', properties: { id: { type: 'long' }, s: { type: 'string' } } },
    });
    expect(stats.row_count).toBe(200000);
    const s = stats.columns.find((c) => c.path === 's');
    expect(String(s?.min)).toHaveLength(256);
    const id = stats.columns.find((c) => c.path === 'id');
    expect(id).toMatchObject({ min: 0, max: 199999, null_count: 0 });
    expect(Math.abs((id?.approx_distinct_count ?? 0) - 200000) / 200000).toBeLessThan(0.1) // HyperLogLog: a few per cent;
  });

  it('handles an empty snapshot', async () => {
    const stats = await computeColumnStats(fx.engine, { files: [], schema: SCHEMA });
    expect(stats.row_count).toBe(0);
    expect(stats.columns.find((c) => c.path === 'geo.lat')).toMatchObject({ null_count: 0, min: null, max: null });
  });
});
