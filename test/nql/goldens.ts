// `npm run nql:goldens`: (re)writes the NQL golden files from the current front end, analyzer and
// compilers. Tests never write goldens; a missing one fails them. Review every diff before keeping it.
//
//   corpus/<name>.expected.json  the span-stripped AST of a parsing case (rewritten), or the parse
//                                errors of a failing one (written only when missing: their message
//                                substrings are chosen by hand)
//   corpus/<name>.analysis.json  the analysis/compile errors of a case that parses but is not valid
//                                against the fixture datasets (written only when missing)
//   spark-goldens/<id>.sql       the compiled Spark SQL of every valid case (corpus-cases.ts)
//   fixtures/seed.spark.sql      the seed query's Spark SQL (compile-spark.test.ts)
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NqlSyntaxError, parse, stripSpans } from '../../src/nql/index.js';
import { CORPUS_DIR, SPARK_GOLDEN_DIR, corpusCases, corpusNames, corpusText, outcomeOf, sparkGoldenPath } from './corpus-cases.js';
import { compileNql } from './fixtures/pipeline.js';

const written: string[] = [];
const conflicts: string[] = [];

function write(path: string, text: string): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileSync(path, text);
  written.push(path);
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

for (const name of corpusNames()) {
  const text = corpusText(name);
  const expected = join(CORPUS_DIR, `${name}.expected.json`);
  try {
    write(expected, json(stripSpans(parse(text))));
  } catch (e) {
    if (!(e instanceof NqlSyntaxError)) throw e;
    if (!existsSync(expected)) write(expected, json(e.errors.map((d) => ({ line: d.line, column: d.column, message: d.message }))));
    continue;
  }
  const outcome = outcomeOf(text);
  const analysisPath = join(CORPUS_DIR, `${name}.analysis.json`);
  if (outcome.kind === 'errors' && !existsSync(analysisPath)) write(analysisPath, json(outcome.errors));
  if (outcome.kind === 'valid' && existsSync(analysisPath)) conflicts.push(`${name} is valid now but has ${name}.analysis.json: delete it if that is right`);
}

mkdirSync(SPARK_GOLDEN_DIR, { recursive: true });
const ids = new Set<string>();
for (const c of corpusCases()) {
  ids.add(c.id);
  write(sparkGoldenPath(c.id), `${compileNql(c.nql, 'spark').sql}\n`);
}
for (const file of readdirSync(SPARK_GOLDEN_DIR)) {
  if (file.endsWith('.sql') && !ids.has(file.slice(0, -'.sql'.length))) {
    unlinkSync(join(SPARK_GOLDEN_DIR, file));
    written.push(`${join(SPARK_GOLDEN_DIR, file)} (deleted: no such case)`);
  }
}

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
write(join(fixtures, 'seed.spark.sql'), `${compileNql(readFileSync(join(fixtures, 'seed.nql'), 'utf8'), 'spark').sql}\n`);

process.stdout.write(written.length ? `${written.map((p) => `wrote ${p}`).join('\n')}\n` : 'all goldens up to date\n');
if (conflicts.length) {
  process.stderr.write(`${conflicts.join('\n')}\n`);
  process.exitCode = 1;
}
