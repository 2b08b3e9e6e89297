// "One corpus, both engines": every valid NQL case, with what an engine needs to run it and judge the
// result, defined once. DuckDB runs them in test/nql/compile-duckdb.test.ts; the Spark plane runs the
// same list through each case's compiled `spark` SQL (its golden is checked by compile-spark.test.ts).
//
// A case is valid when it parses, analyzes against the fixture datasets (fixtures/datasets.ts:
// company_data."6402", "100", "200" with their rows) and compiles for every dialect. Sources:
//   - test/nql/corpus/<name>.nql (id `<name>`). Corpus files over placeholder tables (`FROM t`) are
//     syntax cases; their analysis errors are pinned in <name>.analysis.json instead. An optional
//     <name>.reference.sql holds hand-written DuckDB SQL computing the expected rows; a first line
//     `-- ordered` compares rows in order (the query has a total ORDER BY).
//   - fixtures/equivalence-cases.ts (id `eq-<slug of its name>`), each with its reference SQL.
// Expected rows: the reference query's, run on DuckDB over the fixtures; for a case without one,
// the rows of its compiled DuckDB SQL (then Spark is compared with DuckDB). Row equality, including
// the float tolerance, is compare-rows.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Analysis } from '../../src/nql/analyzer/index.js';
import { analyze } from '../../src/nql/analyzer/index.js';
import { compile, DIALECTS } from '../../src/nql/compile/index.js';
import type { DialectId } from '../../src/nql/functions.js';
import { NqlError } from '../../src/nql/errors.js';
import { parse } from '../../src/nql/parser.js';
import { fixtureCatalog } from './fixtures/datasets.js';
import { EQUIVALENCE_CASES } from './fixtures/equivalence-cases.js';

export { compareRows, FLOAT_TOLERANCE } from './fixtures/compare-rows.js';
export { FIXTURE_DELTAS, FIXTURES } from './fixtures/datasets.js';

export const CORPUS_DIR = fileURLToPath(new URL('./corpus/', import.meta.url));
export const SPARK_GOLDEN_DIR = fileURLToPath(new URL('./spark-goldens/', import.meta.url));

export interface CorpusCase {
  id: string;
  source: 'corpus' | 'equivalence';
  nql: string;
  /** The fixture datasets the case reads (FIXTURES ids), as the analyzer reports them. */
  datasetIds: number[];
  /** Hand-written DuckDB SQL over `ds_<id>` tables whose rows are the expected result; null when the
   * compiled DuckDB SQL itself is the reference. */
  reference: string | null;
  /** Compare rows in order: the query's ORDER BY is total. Otherwise rows compare as multisets. */
  ordered: boolean;
  /** Why the case's rows may legitimately differ on Spark (a documented engine difference), or null. */
  sparkSkip: string | null;
}

/**
 * Cases whose rows Spark is not expected to reproduce, with the reason (docs/nql-functions.md,
 * "Known engine differences that are not bridged"). Their Spark SQL is still compiled and golden.
 */
const SPARK_SKIPS: Readonly<Record<string, string>> = {
  'eq-array-functions': 'SIZE(NULL) is -1 on Spark with ANSI mode off, NULL in NQL and DuckDB',
  'eq-aggregates': 'APPROX_COUNT_DISTINCT is an estimate; Spark and DuckDB use different sketches',
  'spark-literals-and-bridges': 'SIZE(NULL) is -1 on Spark with ANSI mode off, NULL in NQL and DuckDB',
};

export function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function sparkGoldenPath(id: string): string {
  return join(SPARK_GOLDEN_DIR, `${id}.sql`);
}

/** Corpus file names (without `.nql`), sorted. */
export function corpusNames(): string[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.nql'))
    .sort()
    .map((f) => f.slice(0, -'.nql'.length));
}

export function corpusText(name: string): string {
  return readFileSync(join(CORPUS_DIR, `${name}.nql`), 'utf8');
}

/** What the back end makes of a corpus text: a syntax error, analysis/compile errors, or a valid case. */
export type Outcome =
  | { kind: 'syntax_error' }
  | { kind: 'errors'; errors: { code: string; line: number; column: number; message: string }[] }
  | { kind: 'valid'; analysis: Analysis; sql: Record<DialectId, string> };

export function outcomeOf(text: string): Outcome {
  let statement;
  try {
    statement = parse(text);
  } catch (e) {
    if (e instanceof NqlError) return { kind: 'syntax_error' };
    throw e;
  }
  try {
    const analysis = analyze(statement, fixtureCatalog());
    const sql = Object.fromEntries(Object.keys(DIALECTS).map((d) => [d, compile(analysis, d as DialectId)])) as Record<DialectId, string>;
    return { kind: 'valid', analysis, sql };
  } catch (e) {
    if (!(e instanceof NqlError)) throw e;
    return { kind: 'errors', errors: e.errors.map((d) => ({ code: d.code, line: d.line, column: d.column, message: d.message })) };
  }
}

function reference(name: string): { sql: string; ordered: boolean } | null {
  const path = join(CORPUS_DIR, `${name}.reference.sql`);
  if (!existsSync(path)) return null;
  const sql = readFileSync(path, 'utf8');
  return { sql, ordered: /^--\s*ordered\b/.test(sql) };
}

let cached: CorpusCase[] | undefined;

/** Every valid case, corpus files first, then the equivalence cases. */
export function corpusCases(): readonly CorpusCase[] {
  if (cached) return cached;
  const cases: CorpusCase[] = [];
  for (const name of corpusNames()) {
    const nql = corpusText(name);
    const outcome = outcomeOf(nql);
    if (outcome.kind !== 'valid') continue;
    const ref = reference(name);
    cases.push({
      id: name,
      source: 'corpus',
      nql,
      datasetIds: outcome.analysis.datasetIds,
      reference: ref?.sql ?? null,
      ordered: ref?.ordered ?? false,
      sparkSkip: SPARK_SKIPS[name] ?? null,
    });
  }
  for (const c of EQUIVALENCE_CASES) {
    const id = `eq-${slug(c.name)}`;
    const outcome = outcomeOf(c.nql);
    if (outcome.kind !== 'valid') throw new Error(`equivalence case "${c.name}" is not valid NQL: ${JSON.stringify(outcome)}`);
    cases.push({
      id,
      source: 'equivalence',
      nql: c.nql,
      datasetIds: outcome.analysis.datasetIds,
      reference: c.reference,
      ordered: c.ordered ?? false,
      sparkSkip: SPARK_SKIPS[id] ?? null,
    });
  }
  const ids = new Set<string>();
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`two corpus cases share the id ${c.id}`);
    ids.add(c.id);
  }
  cached = cases;
  return cases;
}
