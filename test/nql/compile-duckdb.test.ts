// Every valid corpus case (corpus-cases.ts) on DuckDB: its compiled DuckDB SQL runs over the fixture
// datasets, returns the rows of its hand-written reference query where it has one (the reference is
// written independently of the compiler, e.g. weekday numbering via isodow, 1-based list indexes, so a
// bridge the compiler forgets shows up as a row difference), and its result columns carry the names
// and (compatible) types the analyzer promised in outputSchema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRows, corpusCases } from './corpus-cases.js';
import type { FixtureDb } from './fixtures/duckdb.js';
import { openFixtureDb } from './fixtures/duckdb.js';
import { EQUIVALENCE_CASES } from './fixtures/equivalence-cases.js';
import { compileNql, duckDbTypeMatches } from './fixtures/pipeline.js';

let db: FixtureDb;

beforeAll(async () => {
  db = await openFixtureDb();
});
afterAll(() => db.close());

describe('duckdb compilation of every valid corpus case', () => {
  it('has at least 30 equivalence cases and a reference for every new construct', () => {
    expect(EQUIVALENCE_CASES.length).toBeGreaterThanOrEqual(30);
    const referenced = corpusCases().filter((c) => c.reference !== null).map((c) => c.id);
    for (const prefix of ['window-in-expr-', 'comma-join-', 'unnest-', 'group-by-']) {
      expect(referenced.some((id) => id.startsWith(prefix)), prefix).toBe(true);
    }
  });

  for (const c of corpusCases()) {
    it(c.id, async () => {
      const { analysis, sql } = compileNql(c.nql, 'duckdb');
      const actual = await db.query(sql).catch((e: unknown) => {
        throw new Error(`compiled SQL failed: ${String(e)}\n${sql}`);
      });
      if (c.reference !== null) {
        const expected = await db.query(c.reference);
        expect(compareRows(actual.rows, expected.rows, c.ordered), sql).toBeUndefined();
      }
      expect(actual.columns).toEqual(analysis.outputColumns.map((col) => col.name));
      analysis.outputColumns.forEach((col, i) => {
        expect(duckDbTypeMatches(col.type, actual.types[i] ?? ''), `${col.name}: ${JSON.stringify(col.type)} vs ${actual.types[i]}`).toBe(true);
      });
    });
  }
});
