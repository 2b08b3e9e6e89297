// Spark compilation: a golden file per valid corpus case (corpus-cases.ts), the seed's compiled_sql
// (reference/seed-run-a-job.txt), and execution equivalence where the Spark text is dialect-neutral
// enough to run on DuckDB. Goldens are written by `npm run nql:goldens`; a missing one fails here.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPARK_GOLDEN_DIR, compareRows, corpusCases, corpusText, sparkGoldenPath } from './corpus-cases.js';
import type { FixtureDb } from './fixtures/duckdb.js';
import { openFixtureDb } from './fixtures/duckdb.js';
import { compileNql, normalizedRows } from './fixtures/pipeline.js';
import { normalizeSql, sparkToDuckDb } from './fixtures/spark-to-duckdb.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const seedNql = readFileSync(join(fixtures, 'seed.nql'), 'utf8');
const seedCompiled = readFileSync(join(fixtures, 'seed.compiled_sql.spark.sql'), 'utf8');

function golden(path: string): string {
  if (!existsSync(path)) throw new Error(`missing golden ${path} (write it with npm run nql:goldens, then review it)`);
  return readFileSync(path, 'utf8').trimEnd();
}

let db: FixtureDb;
beforeAll(async () => {
  db = await openFixtureDb();
});
afterAll(() => db.close());

describe('spark golden files: one per valid corpus case', () => {
  const cases = corpusCases();
  for (const c of cases) {
    it(c.id, () => {
      expect(compileNql(c.nql, 'spark').sql).toBe(golden(sparkGoldenPath(c.id)));
    });
  }

  it('has no golden without a case', () => {
    const ids = new Set(cases.map((c) => c.id));
    const orphans = readdirSync(SPARK_GOLDEN_DIR).filter((f) => f.endsWith('.sql') && !ids.has(f.slice(0, -'.sql'.length)));
    expect(orphans).toEqual([]);
  });
});

describe('the seed query (reference/seed-run-a-job.txt)', () => {
  const ours = () => compileNql(seedNql, 'spark').sql;

  it('matches our golden Spark text', () => {
    expect(ours()).toBe(golden(join(fixtures, 'seed.spark.sql')));
  });

  it("shares the compiled_sql's translation of every construct", () => {
    // Each fragment is one rule of Narrative's compiler: table naming, nested access in
    // projections, implicit aliases, NULLS LAST, BETWEEN spelled out, backtick quoting.
    const shared = [
      'narrative.datasets.ds_6402 `ds_6402`',
      "`ds_6402`.`mobile_id_unique_identifier`['value'] `mobile_id`",
      "`ds_6402`.`timestamp_object`['day'] `day`",
      "`ds_6402`.`timestamp_object`['hour'] `hour`",
      "`ds_6402`.`geographic_location`['latitude'] `latitude`",
      "`ds_6402`.`geographic_location`['longitude'] `longitude`",
      'LAG(`ds_6402`.`event_timestamp`, 1) OVER (PARTITION BY `ds_6402`.`mobile_id_unique_identifier`',
      'ORDER BY `ds_6402`.`event_timestamp` NULLS LAST)',
      ') >= 40 AND EXTRACT(MINUTE FROM `',
      ') <= 120 THEN 1 ELSE 0 END `is_continuous`',
      '`.`is_continuous` = 1 GROUP BY `',
    ];
    for (const fragment of shared) {
      expect(normalizeSql(seedCompiled), fragment).toContain(fragment);
      expect(normalizeSql(ours()), fragment).toContain(fragment);
    }
  });

  it('differs only in the documented ways (docs/nql-compiler.md)', () => {
    const theirs = normalizeSql(seedCompiled);
    const mine = normalizeSql(ours());
    // 1. CTEs stay CTEs; Narrative's planner inlines them as a derived table `t` and merges projections.
    expect(mine.startsWith('WITH `OrderedData` AS (SELECT')).toBe(true);
    expect(theirs).toContain(') `t` WHERE `t`.`is_continuous` = 1');
    // 2. The IS NOT NULL filter is kept; Narrative's planner dropped it (it trusts the schema).
    expect(mine).toContain("WHERE `ds_6402`.`mobile_id_unique_identifier`['value'] IS NOT NULL");
    expect(theirs).not.toContain('IS NOT NULL');
    // 3. Nested access in PARTITION BY uses the bracket form like everywhere else.
    expect(theirs).toContain('PARTITION BY `ds_6402`.`mobile_id_unique_identifier`.`value`');
    expect(mine).toContain("PARTITION BY `ds_6402`.`mobile_id_unique_identifier`['value']");
  });

  it('returns the same rows as the seed compiled_sql, and as the duckdb dialect', async () => {
    const expected = [
      ['m1', '2024-03-01', 10, 40.7, -74],
      ['m1', '2024-03-01', 10, 40.8, -74.1],
      ['m2', '2024-03-02', 9, 34, -118.2],
    ].map((r) => JSON.stringify(r));
    const theirs = await db.query(sparkToDuckDb(seedCompiled));
    const mine = await db.query(sparkToDuckDb(ours()));
    const duck = await db.query(compileNql(seedNql, 'duckdb').sql);
    expect(normalizedRows(theirs, false)).toEqual([...expected].sort());
    expect(normalizedRows(mine, false)).toEqual([...expected].sort());
    expect(normalizedRows(duck, false)).toEqual([...expected].sort());
  });
});

describe('spark literals', () => {
  it('escapes quotes and backslashes, and hides $ from variable substitution', async () => {
    const nql = `SELECT 'it''s \\ \${env:HOME} $5' AS s FROM company_data."100" WHERE id = 1`;
    const sql = compileNql(nql, 'spark').sql;
    expect(sql).toContain(`'it\\'s \\\\ \\u0024{env:HOME} \\u00245' \`s\``);
    expect(sql).not.toContain('$');
    const rows = (await db.query(sparkToDuckDb(sql))).rows;
    expect(rows).toEqual([["it's \\ \${env:HOME} $5"]]);
  });
});

describe('spark output runs like the duckdb output where the SQL is dialect-neutral', () => {
  for (const name of ['spark-qualify', 'spark-join-union']) {
    it(name, async () => {
      const nql = corpusText(name);
      const spark = await db.query(sparkToDuckDb(compileNql(nql, 'spark').sql));
      const duck = await db.query(compileNql(nql, 'duckdb').sql);
      expect(compareRows(spark.rows, duck.rows, true)).toBeUndefined();
      expect(spark.columns).toEqual(duck.columns);
    });
  }
});
