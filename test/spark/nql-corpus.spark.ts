// "One corpus, both engines" (test/nql/corpus-cases.ts), the Spark half: every valid corpus case's compiled
// `spark` SQL runs on the real cluster over the fixture datasets, and its rows must equal the rows DuckDB gives for
// the case (its hand-written reference query where it has one, else its compiled DuckDB SQL), compared by the one
// definition of "same rows" (compare-rows.ts: float tolerance, multisets unless the case is ordered).
//
// How the two sides meet without a second value mapping: the fixtures go to Spark as Parquet files written by
// DuckDB (temporary views `ds_<id>` over them), and Spark writes each result back as Parquet, which DuckDB reads
// and renders exactly as it renders its own results. Only relation names change in the SQL: the plane's
// `narrative.datasets.ds_<id>` becomes the session's view `ds_<id>`. Cases Spark is known not to reproduce are
// listed in corpus-cases.ts with the reason (their SQL still has to run).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparkConnect, type SparkSession } from '../../src/plane/spark/spark-connect.js';
import { compareRows, corpusCases } from '../nql/corpus-cases.js';
import { FIXTURE_DELTAS, FIXTURES } from '../nql/fixtures/datasets.js';
import { openFixtureDb, type FixtureDb } from '../nql/fixtures/duckdb.js';
import { compileNql } from '../nql/fixtures/pipeline.js';
import { NQL_SPARK_SESSION_CONF } from '../../src/plane/spark/spark-conf.js';
import { SPARK_REMOTE } from './spark-support.js';

/**
 * Valid NQL whose compiled Spark SQL Spark 4.0 refuses at analysis: compiler gaps for the spark dialect, each with
 * Spark's own reason. The test expects the refusal, so a compiler that learns to rewrite one shows up here.
 */
const SPARK_REFUSES: Readonly<Record<string, string>> = {
  'window-in-expr-case-and-order-by': 'UNSUPPORTED_EXPR_FOR_OPERATOR: a window function only in ORDER BY (not in the select list) is not evaluated by Spark; the compiler would have to project it first',
  'group-by-correlated-subquery-on-key': 'SCALAR_SUBQUERY_IS_IN_GROUP_BY_OR_AGGREGATE_FUNCTION: Spark does not accept a correlated scalar subquery over a grouping key in the select list of an aggregate query',
};

const toSessionViews = (sql: string) => sql.replace(/\bnarrative\.datasets\.(ds_\d+(?:_delta)?)\b/g, '`$1`');
const quoted = (p: string) => `'${p.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

let dir: string;
let duck: FixtureDb;
let connect: SparkConnect;
let spark: SparkSession;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'jobplane-spark-corpus-'));
  duck = await openFixtureDb();
  connect = await SparkConnect.open(SPARK_REMOTE);
  spark = await connect.openSession();
  // Results back as plain Parquet timestamps (UTC instants), read by DuckDB as TIMESTAMP WITH TIME ZONE.
  // The plane's session settings (src/plane/spark/spark-plane.ts): NQL's semantics are Spark's with ANSI mode off
  // (a failed CAST is NULL), in UTC.
  await spark.setConf({ ...NQL_SPARK_SESSION_CONF, 'spark.sql.parquet.outputTimestampType': 'TIMESTAMP_MICROS' });
  // Each fixture, and the appended part of those with a delta (the relation an incremental refresh reads).
  const tables = FIXTURES.flatMap((d) => [`ds_${d.id}`, ...(FIXTURE_DELTAS.has(d.id) ? [`ds_${d.id}_delta`] : [])]);
  for (const table of tables) {
    const file = path.join(dir, `input_${table}.parquet`);
    await duck.query(`COPY "${table}" TO ${quoted(file)} (FORMAT parquet)`);
    await spark.query(`CREATE OR REPLACE TEMPORARY VIEW \`${table}\` USING parquet OPTIONS (path ${quoted(file)})`);
  }
}, 300_000);

afterAll(async () => {
  connect?.close();
  duck?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The rows Spark gives for `sql`, as DuckDB renders them: written by Spark as one Parquet file, read by DuckDB. */
async function sparkRows(id: string, sql: string): Promise<unknown[][]> {
  const out = path.join(dir, `out_${id}`);
  // One partition after the query's own ORDER BY keeps the order of an ordered case in the one file written.
  await spark.query(`INSERT OVERWRITE DIRECTORY ${quoted(out)} USING parquet SELECT /*+ COALESCE(1) */ * FROM (${sql}) q`);
  const files = (await readdir(out)).filter((f) => f.endsWith('.parquet')).sort();
  if (files.length === 0) return [];
  const list = files.map((f) => quoted(path.join(out, f))).join(', ');
  return (await duck.query(`SELECT * FROM read_parquet([${list}])`)).rows;
}

describe('every valid NQL corpus case on Spark, rows equal to DuckDB', () => {
  const cases = corpusCases();

  it('runs the whole corpus (at least 70 valid cases)', () => {
    expect(cases.length).toBeGreaterThanOrEqual(70);
    expect(Object.keys(SPARK_REFUSES).filter((id) => !cases.some((c) => c.id === id))).toEqual([]);
  });

  for (const c of cases) {
    it(c.id, async () => {
      const spark_sql = toSessionViews(compileNql(c.nql, 'spark').sql);
      const expected = (await duck.query(c.reference ?? compileNql(c.nql, 'duckdb').sql)).rows;
      const refusal = SPARK_REFUSES[c.id];
      if (refusal) {
        await expect(sparkRows(c.id, spark_sql)).rejects.toThrow(refusal.split(':')[0]!);
        return;
      }
      const actual = await sparkRows(c.id, spark_sql).catch((e: unknown) => {
        throw new Error(`Spark refused the compiled SQL: ${String(e)}\n${spark_sql}`);
      });
      const difference = compareRows(actual, expected, c.ordered);
      if (c.sparkSkip) {
        // A documented engine difference: the SQL must run; the rows may differ, for the reason given.
        return;
      }
      expect(difference, `${spark_sql}`).toBeUndefined();
    }, 120_000);
  }
});
