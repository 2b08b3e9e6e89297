import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindDatasets } from '../../src/plane/storage/bind-datasets.js';
import type { DatasetSchema } from '../../src/core/dataset-schema.js';
import { newSnapshotId, snapshotDir } from '../../src/plane/storage/snapshot-layout.js';
import { sweepOrphans } from '../../src/plane/storage/sweep-orphans.js';
import { manifestFor } from '../../src/core/snapshot-manifest.js';
import { writeSnapshot } from '../../src/plane/storage/write-snapshot.js';
import { listTree, rejectionOf, usePlaneFixture } from './plane-fixtures.js';

const SCHEMA: DatasetSchema = {
  type: 'object',
  properties: {
    id: { type: 'long' },
    name: { type: 'string' },
    geo: { type: 'object', properties: { lat: { type: 'double' }, lon: { type: 'double' } } },
    tags: { type: 'array', items: { type: 'string' } },
    seen_at: { type: 'timestamptz' },
  },
};

const ROWS_SQL = (from: number, to: number): string =>
  `SELECT range AS id, 'n' || range AS name, {'lat': range / 10, 'lon': -range / 10} AS geo, ` +
  `['t' || (range % 3)] AS tags, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_hours(range) AS seen_at ` +
  `FROM range(${from}, ${to})`;

describe('snapshot ids and layout', () => {
  it('draws ids in [1, 2^53)', () => {
    for (let i = 0; i < 1000; i++) {
      const id = newSnapshotId();
      expect(Number.isSafeInteger(id)).toBe(true);
      expect(id).toBeGreaterThanOrEqual(1);
      expect(id).toBeLessThan(2 ** 53);
    }
  });

  it('places snapshots under datasets/<id>/snapshots/<id>', () => {
    expect(snapshotDir('/srv/plane', 6402, 42)).toBe('/srv/plane/datasets/6402/snapshots/42');
    expect(() => snapshotDir('/srv/plane', 6402, 0)).toThrow(/invalid snapshot id/u);
  });
});

describe('bind, write, read back', () => {
  const fx = usePlaneFixture();

  it('writes zstd Parquet part files with per-file rows and bytes, readable through ds_<id>', async () => {
    const outDir = snapshotDir(fx.root, 10, newSnapshotId());
    const written = await writeSnapshot(fx.engine, { sql: `${ROWS_SQL(0, 1000)};`, outDir, schema: SCHEMA });
    expect(written.rowCount).toBe(1000);
    expect(written.files).toHaveLength(1);
    expect(written.files[0]).toMatchObject({ path: path.join(outDir, 'part-0.parquet'), rows: 1000 });
    expect(written.bytes).toBe(written.files[0]?.bytes);
    const [codec] = await fx.engine.run(
      `SELECT DISTINCT compression FROM parquet_metadata('${outDir}/part-0.parquet')`,
    );
    expect(codec).toEqual({ compression: 'ZSTD' });

    await bindDatasets(fx.engine, [{ datasetId: 10, schema: SCHEMA, files: written.files.map((f) => f.path) }]);
    const [stats] = await fx.engine.run(
      `SELECT count(*) AS n, sum(id) AS s, max(geo['lat']) AS lat, min(seen_at) AS first FROM ds_10`,
    );
    expect(stats).toEqual({ n: 1000, s: 499500, lat: 99.9, first: '2024-01-01T00:00:00.000000Z' });
  });

  it('rotates into several part files when a file grows past maxFileBytes', async () => {
    const outDir = snapshotDir(fx.root, 11, newSnapshotId());
    const written = await writeSnapshot(fx.engine, {
      sql: `SELECT range AS id, md5(range::VARCHAR) AS h FROM range(600000)`,
      outDir,
      maxFileBytes: 4 * 1024 * 1024,
    });
    expect(written.files.length).toBeGreaterThan(1);
    expect(written.files.map((f) => path.basename(f.path))).toEqual(written.files.map((_, i) => `part-${i}.parquet`));
    expect(written.files.reduce((s, f) => s + f.rows, 0)).toBe(600000);
    expect(written.rowCount).toBe(600000);
  });

  it('casts the result to the dataset schema (an INTEGER literal is stored as long)', async () => {
    const outDir = snapshotDir(fx.root, 12, newSnapshotId());
    const schema: DatasetSchema = { type: 'object', properties: { x: { type: 'long' } } };
    const written = await writeSnapshot(fx.engine, { sql: 'SELECT 1 AS x', outDir, schema });
    const [row] = await fx.engine.run(`SELECT typeof(x) AS t FROM read_parquet('${written.files[0]?.path}')`);
    expect(row).toEqual({ t: 'BIGINT' });
  });

  it('binds a dataset without files as an empty relation of its schema', async () => {
    await bindDatasets(fx.engine, [{ datasetId: 13, schema: SCHEMA, files: [] }]);
    expect(await fx.engine.run('SELECT count(*) AS n FROM ds_13')).toEqual([{ n: 0 }]);
    const columns = await fx.engine.describe('SELECT * FROM ds_13');
    expect(columns.map((c) => `${c.name} ${c.type.toString()}`)).toEqual([
      'id BIGINT',
      'name VARCHAR',
      'geo STRUCT("lat" DOUBLE, "lon" DOUBLE)',
      'tags VARCHAR[]',
      'seen_at TIMESTAMP WITH TIME ZONE',
    ]);
    // An empty result still writes one typed 0-row file, so the snapshot keeps its schema.
    const written = await writeSnapshot(fx.engine, {
      sql: 'SELECT * FROM ds_13',
      outDir: snapshotDir(fx.root, 14, newSnapshotId()),
    });
    expect(written.rowCount).toBe(0);
  });

  it('deletes the attempt directory when the query fails, and refuses a non-empty directory', async () => {
    const outDir = snapshotDir(fx.root, 15, newSnapshotId());
    await rejectionOf(writeSnapshot(fx.engine, { sql: 'SELECT nope FROM range(3)', outDir }));
    expect(await listTree(path.dirname(outDir))).toEqual([]);

    await mkdir(outDir, { recursive: true });
    await writeFile(path.join(outDir, 'part-0.parquet'), 'someone else');
    const error = await rejectionOf(writeSnapshot(fx.engine, { sql: 'SELECT 1 AS x', outDir }));
    expect(String(error)).toMatch(/not empty/u);
    expect(await listTree(outDir)).toEqual(['part-0.parquet']); // not ours: untouched
  });
});

describe('write modes', () => {
  const fx = usePlaneFixture();

  it('append reuses the previous files by reference; overwrite keeps only the new ones', async () => {
    const first = await writeSnapshot(fx.engine, {
      sql: ROWS_SQL(0, 100),
      outDir: snapshotDir(fx.root, 20, 1),
      schema: SCHEMA,
    });
    const v1 = manifestFor('append', null, first);
    const second = await writeSnapshot(fx.engine, {
      sql: ROWS_SQL(100, 150),
      outDir: snapshotDir(fx.root, 20, 2),
      schema: SCHEMA,
    });

    const appended = manifestFor('append', v1, second);
    expect(appended.files.map((f) => f.path)).toEqual([...first.files, ...second.files].map((f) => f.path));
    expect(appended.rowCount).toBe(150);
    expect(appended.bytes).toBe(first.bytes + second.bytes);
    // Nothing was copied: the second snapshot directory holds only its own file.
    expect(await listTree(snapshotDir(fx.root, 20, 2))).toEqual(['part-0.parquet']);

    const overwritten = manifestFor('overwrite', v1, second);
    expect(overwritten.files.map((f) => f.path)).toEqual(second.files.map((f) => f.path));
    expect(overwritten.rowCount).toBe(50);

    await bindDatasets(fx.engine, [{ datasetId: 20, schema: SCHEMA, files: appended.files.map((f) => f.path) }]);
    expect(await fx.engine.run('SELECT count(*) AS n, count(DISTINCT id) AS d FROM ds_20')).toEqual([{ n: 150, d: 150 }]);
  });
});

describe('orphan sweep', () => {
  const fx = usePlaneFixture();

  it('deletes uncommitted snapshot directories older than the threshold, and only those', async () => {
    const now = Date.now();
    const make = async (datasetId: number, snapshotId: number, ageMs: number): Promise<string> => {
      const dir = snapshotDir(fx.root, datasetId, snapshotId);
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, 'part-0.parquet');
      await writeFile(file, 'x');
      const when = new Date(now - ageMs);
      await utimes(file, when, when);
      await utimes(dir, when, when);
      return dir;
    };
    const committedOld = await make(30, 1, 3_600_000);
    const orphanOld = await make(30, 2, 3_600_000);
    const orphanYoung = await make(30, 3, 1_000);
    const otherDataset = await make(31, 7, 3_600_000);
    await mkdir(path.join(fx.root, 'datasets', '30', 'snapshots', 'not-an-id'), { recursive: true });

    const committed = new Set(['30/1']);
    const result = await sweepOrphans(fx.root, (d, s) => committed.has(`${d}/${s}`), 600_000, now);

    expect(result.deleted.sort()).toEqual([orphanOld, otherDataset].sort());
    expect(result.tooYoung).toEqual([orphanYoung]);
    expect(await listTree(committedOld)).toEqual(['part-0.parquet']);
    expect(await listTree(orphanOld)).toEqual([]);
    expect(await listTree(orphanYoung)).toEqual(['part-0.parquet']);
  });

  it('accepts an async isCommitted and an empty root', async () => {
    const result = await sweepOrphans(path.join(fx.root, 'nothing-here'), async () => false, 0);
    expect(result).toEqual({ deleted: [], tooYoung: [] });
  });
});
