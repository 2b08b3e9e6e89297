import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImportError, SchemaMismatchError } from '../../src/plane/import/import-errors.js';
import { formatFromPath } from '../../src/plane/import/import-format.js';
import { importFiles } from '../../src/plane/import/import-files.js';
import { inferSchema } from '../../src/plane/import/infer-schema.js';
import type { DatasetSchema } from '../../src/core/dataset-schema.js';
import { snapshotDir } from '../../src/plane/storage/snapshot-layout.js';
import { listTree, rejectionOf, usePlaneFixture } from './plane-fixtures.js';

const CSV_SCHEMA: DatasetSchema = {
  type: 'object',
  properties: {
    id: { type: 'long' },
    name: { type: 'string' },
    amount: { type: 'double' },
    day: { type: 'date' },
    at: { type: 'timestamptz' },
  },
};

describe('import', () => {
  const fx = usePlaneFixture();
  let inputs: string;
  let snapshot = 0;
  const nextOutDir = (): string => snapshotDir(fx.root, 500, ++snapshot);
  const file = async (name: string, text: string): Promise<string> => {
    const full = path.join(inputs, name);
    await writeFile(full, text);
    return full;
  };
  const readBack = async (files: readonly { path: string }[], select = '*'): Promise<unknown[]> =>
    fx.engine.run(`SELECT ${select} FROM read_parquet([${files.map((f) => `'${f.path}'`).join(', ')}]) ORDER BY 1`);

  beforeAll(async () => {
    inputs = path.join(fx.root, 'inputs');
    await mkdir(inputs, { recursive: true });
  });

  it('tells formats from extensions', () => {
    expect(formatFromPath('a/b.CSV')).toBe('csv');
    expect(formatFromPath('x.jsonl.gz')).toBe('jsonl');
    expect(formatFromPath('x.ndjson')).toBe('jsonl');
    expect(formatFromPath('x.parquet')).toBe('parquet');
    expect(formatFromPath('x.txt')).toBeNull();
  });

  describe('each format, on create', () => {
    it('CSV: infers the schema and stores typed rows', async () => {
      const csv = await file(
        'people.csv',
        'id,name,amount,day,at\n1,ann,1.5,2024-01-01,2024-01-01T10:00:00Z\n2,"bob, jr",2,2024-01-02,2024-01-02T11:30:00Z\n',
      );
      expect(await inferSchema(fx.engine, [csv], 'csv')).toEqual(CSV_SCHEMA);
      const outDir = nextOutDir();
      const result = await importFiles(fx.engine, { files: [csv], outDir });
      expect(result).toMatchObject({ format: 'csv', rowCount: 2, schema: CSV_SCHEMA });
      expect(result.files.map((f) => path.relative(outDir, f.path))).toEqual(['part-0.parquet']);
      expect(await readBack(result.files)).toEqual([
        { id: 1, name: 'ann', amount: 1.5, day: '2024-01-01', at: '2024-01-01T10:00:00.000000Z' },
        { id: 2, name: 'bob, jr', amount: 2, day: '2024-01-02', at: '2024-01-02T11:30:00.000000Z' },
      ]);
    });

    it('JSON lines: nested objects and arrays become object and array attributes', async () => {
      const jsonl = await file(
        'events.jsonl',
        '{"id": 1, "geo": {"lat": 1.5, "lon": 2.5}, "tags": ["a"]}\n\n{"id": 2, "geo": null, "tags": ["b", "c"]}\n',
      );
      const result = await importFiles(fx.engine, { files: [jsonl], outDir: nextOutDir() });
      expect(result.schema).toEqual({
        type: 'object',
        properties: {
          id: { type: 'long' },
          geo: { type: 'object', properties: { lat: { type: 'double' }, lon: { type: 'double' } } },
          tags: { type: 'array', items: { type: 'string' } },
        },
      });
      expect(await readBack(result.files)).toEqual([
        { id: 1, geo: { lat: 1.5, lon: 2.5 }, tags: ['a'] },
        { id: 2, geo: null, tags: ['b', 'c'] },
      ]);
    });

    it('Parquet: keeps the types and several files make several parts', async () => {
      const a = path.join(inputs, 'a.parquet');
      const b = path.join(inputs, 'b.parquet');
      await fx.engine.run(`COPY (SELECT range::INTEGER AS n, range::VARCHAR AS s FROM range(10)) TO '${a}' (FORMAT parquet)`);
      await fx.engine.run(`COPY (SELECT range::BIGINT AS n, 'x' AS s FROM range(5)) TO '${b}' (FORMAT parquet)`);
      const progress: Array<[number, number]> = [];
      const result = await importFiles(fx.engine, {
        files: [a, b],
        outDir: nextOutDir(),
        onProgress: (done, total) => progress.push([done, total]),
      });
      expect(result.schema).toEqual({ type: 'object', properties: { n: { type: 'long' }, s: { type: 'string' } } });
      expect(result.files.map((f) => f.rows)).toEqual([10, 5]);
      const total = progress[0]?.[1] ?? 0;
      expect(progress.map(([done]) => done)).toEqual([0, expect.any(Number), total]);
      expect(progress[1]?.[0]).toBeGreaterThan(0);
      expect(progress[1]?.[0]).toBeLessThan(total);
    });

    it('honours an explicit format over the extension', async () => {
      const txt = await file('data.txt', 'a,b\n1,2\n');
      const result = await importFiles(fx.engine, { files: [txt], format: 'csv', outDir: nextOutDir() });
      expect(result.rowCount).toBe(1);
      const error = await rejectionOf(importFiles(fx.engine, { files: [txt], outDir: nextOutDir() }));
      expect(String(error)).toMatch(/cannot tell the format of .*data\.txt/u);
    });
  });

  const expectNothingWritten = async (outDir: string): Promise<void> => {
    expect(await listTree(outDir)).toEqual([]);
  };

  describe('bad files: the error names file, line and column, and nothing stays on disk', () => {
    it('CSV: a value that does not convert', async () => {
      const csv = await file(
        'bad-value.csv',
        'id,name,amount,day,at\n1,a,1,2024-01-01,2024-01-01T00:00:00Z\n2,b,2,2024-01-02,2024-01-02T00:00:00Z\n3,c,3,notadate,2024-01-03T00:00:00Z\n',
      );
      const outDir = nextOutDir();
      const error = await rejectionOf(importFiles(fx.engine, { files: [csv], schema: CSV_SCHEMA, outDir }));
      expect(error).toBeInstanceOf(ImportError);
      expect(error).toMatchObject({ file: csv, line: 4, column: 'day' });
      expect(String((error as Error).message)).toMatch(/bad-value\.csv", line 4, column "day": .*notadate/u);
      await expectNothingWritten(outDir);
    });

    it('CSV: a line with too many fields', async () => {
      const csv = await file('bad-shape.csv', 'a,b\n1,2\n3,4\n5,6,7\n');
      const outDir = nextOutDir();
      const error = await rejectionOf(importFiles(fx.engine, { files: [csv], outDir }));
      expect(error).toMatchObject({ file: csv, line: 4 });
      expect(String((error as Error).message)).toMatch(/Expected Number of Columns: 2 Found: 3/u);
      await expectNothingWritten(outDir);
    });

    it('JSON lines: a malformed line', async () => {
      const jsonl = await file('bad.jsonl', '{"a": 1}\n{"a": 2}\n{"a": 3\n{"a": 4}\n');
      const outDir = nextOutDir();
      const error = await rejectionOf(importFiles(fx.engine, { files: [jsonl], outDir }));
      expect(error).toBeInstanceOf(ImportError);
      expect(error).toMatchObject({ file: jsonl, line: 3 });
      expect(String((error as Error).message)).toMatch(/bad\.jsonl", line 3: malformed JSON/u);
      await expectNothingWritten(outDir);
    });

    it('JSON lines: a value of the wrong type', async () => {
      const schema: DatasetSchema = { type: 'object', properties: { a: { type: 'long' }, b: { type: 'string' } } };
      const jsonl = await file('wrong-type.jsonl', '{"a": 1, "b": "x"}\n{"a": "many", "b": "y"}\n');
      const outDir = nextOutDir();
      const error = await rejectionOf(importFiles(fx.engine, { files: [jsonl], schema, outDir }));
      expect(error).toMatchObject({ file: jsonl, line: 2, column: 'a' });
      await expectNothingWritten(outDir);
    });

    it('JSON lines: one attribute with mixed types, on create', async () => {
      const jsonl = await file('mixed.jsonl', '{"a": 1}\n{"a": "str"}\n');
      const error = await rejectionOf(importFiles(fx.engine, { files: [jsonl], outDir: nextOutDir() }));
      expect(error).toMatchObject({ file: jsonl, column: 'a' });
      expect(String((error as Error).message)).toMatch(/mixed types/u);
    });

    it('Parquet: not a Parquet file', async () => {
      const parquet = await file('garbage.parquet', 'PAR1 this is not parquet');
      const outDir = nextOutDir();
      const error = await rejectionOf(importFiles(fx.engine, { files: [parquet], outDir }));
      expect(error).toBeInstanceOf(ImportError);
      expect(String((error as Error).message)).toMatch(/garbage\.parquet": .*magic bytes/u);
      await expectNothingWritten(outDir);
    });

    it('a bad second file removes the first file already written', async () => {
      const good = await file('good.csv', 'a,b\n1,2\n');
      const bad = await file('bad-second.csv', 'a,b\n1,2\nx,3\n');
      const schema: DatasetSchema = { type: 'object', properties: { a: { type: 'long' }, b: { type: 'long' } } };
      const outDir = nextOutDir();
      const error = await rejectionOf(importFiles(fx.engine, { files: [good, bad], schema, outDir }));
      expect(error).toMatchObject({ file: bad, line: 3, column: 'a' });
      await expectNothingWritten(outDir);
    });

    it('a missing file', async () => {
      const missing = path.join(inputs, 'nope.csv');
      const error = await rejectionOf(importFiles(fx.engine, { files: [missing], outDir: nextOutDir() }));
      expect(error).toMatchObject({ file: missing });
    });
  });

  describe('schema mismatch on append', () => {
    it('CSV: missing and extra columns are listed', async () => {
      const csv = await file('other-columns.csv', 'id,name,colour\n1,a,red\n');
      const outDir = nextOutDir();
      const error = await rejectionOf(importFiles(fx.engine, { files: [csv], schema: CSV_SCHEMA, outDir }));
      expect(error).toBeInstanceOf(SchemaMismatchError);
      const message = String((error as Error).message);
      expect(message).toContain('other-columns.csv" does not match the dataset schema');
      expect(message).toContain('amount: missing (expected double)');
      expect(message).toContain('colour: not in the dataset schema');
      await expectNothingWritten(outDir);
    });

    it('CSV: columns in another order are fine', async () => {
      const csv = await file('reordered.csv', 'at,day,amount,name,id\n2024-01-01T00:00:00Z,2024-01-01,1.5,a,7\n');
      const result = await importFiles(fx.engine, { files: [csv], schema: CSV_SCHEMA, outDir: nextOutDir() });
      expect(await readBack(result.files, 'id, name')).toEqual([{ id: 7, name: 'a' }]);
    });

    it('Parquet: a type that does not fit', async () => {
      const parquet = path.join(inputs, 'typed.parquet');
      await fx.engine.run(`COPY (SELECT 'x' AS id, 1.5 AS amount) TO '${parquet}' (FORMAT parquet)`);
      const schema: DatasetSchema = { type: 'object', properties: { id: { type: 'long' }, amount: { type: 'double' } } };
      const error = await rejectionOf(importFiles(fx.engine, { files: [parquet], schema, outDir: nextOutDir() }));
      expect(error).toBeInstanceOf(SchemaMismatchError);
      expect(String((error as Error).message)).toContain('id: expected long, found string');
    });

    it('JSON lines: an attribute outside the schema, nested included', async () => {
      const jsonl = await file('extra.jsonl', '{"a": 1, "o": {"x": 1, "y": 2}}\n');
      const schema: DatasetSchema = {
        type: 'object',
        properties: { a: { type: 'long' }, o: { type: 'object', properties: { x: { type: 'long' } } } },
      };
      const error = await rejectionOf(importFiles(fx.engine, { files: [jsonl], schema, outDir: nextOutDir() }));
      expect(String((error as Error).message)).toContain('o.y: not in the dataset schema');
    });

    it('files of one import must agree on create', async () => {
      const a = await file('one.csv', 'a,b\n1,2\n');
      const b = await file('two.csv', 'a,c\n1,2\n');
      const error = await rejectionOf(importFiles(fx.engine, { files: [a, b], outDir: nextOutDir() }));
      expect(error).toBeInstanceOf(SchemaMismatchError);
      expect(String((error as Error).message)).toMatch(/two\.csv" does not match .*differs from .*one\.csv/u);
    });
  });
});
