// Execution equivalence: each NQL query, compiled for DuckDB, returns the same rows as a
// hand-written DuckDB query over the same fixture data; and its result columns carry the names
// and (compatible) types the analyzer promised in outputSchema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureDb } from './fixtures/duckdb.js';
import { openFixtureDb } from './fixtures/duckdb.js';
import { EQUIVALENCE_CASES } from './fixtures/equivalence-cases.js';
import { compileNql, duckDbTypeMatches, normalizedRows } from './fixtures/pipeline.js';

let db: FixtureDb;

beforeAll(async () => {
  db = await openFixtureDb();
  // The operator exposes rows of snapshots added since a view's last run as ds_<id>_delta.
  await db.query('CREATE VIEW ds_100_delta AS SELECT * FROM ds_100 WHERE id > 8');
});
afterAll(() => db.close());

describe('duckdb compilation is equivalent to reference SQL', () => {
  it('has at least 30 cases', () => {
    expect(EQUIVALENCE_CASES.length).toBeGreaterThanOrEqual(30);
  });

  for (const c of EQUIVALENCE_CASES) {
    it(c.name, async () => {
      const { analysis, sql } = compileNql(c.nql, 'duckdb');
      const actual = await db.query(sql).catch((e: unknown) => {
        throw new Error(`compiled SQL failed: ${String(e)}\n${sql}`);
      });
      const expected = await db.query(c.reference);
      expect(normalizedRows(actual, c.ordered ?? false), sql).toEqual(normalizedRows(expected, c.ordered ?? false));
      expect(actual.columns).toEqual(analysis.outputColumns.map((col) => col.name));
      analysis.outputColumns.forEach((col, i) => {
        expect(duckDbTypeMatches(col.type, actual.types[i] ?? ''), `${col.name}: ${JSON.stringify(col.type)} vs ${actual.types[i]}`).toBe(true);
      });
    });
  }
});
