import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyze, NqlAnalysisError } from '../../src/nql/analyzer/index.js';
import { compile, DIALECTS, DUCKDB, NqlCompileError, SPARK } from '../../src/nql/compile/index.js';
import { renderingFor } from '../../src/nql/compile/unsupported.js';
import { FUNCTION_LIST, forbiddenFunctionReason, functionAliases, lookupFunction } from '../../src/nql/functions.js';
import { parse } from '../../src/nql/parser.js';
import { fixtureCatalog } from './fixtures/datasets.js';
import { openFixtureDb } from './fixtures/duckdb.js';

const doc = readFileSync(fileURLToPath(new URL('../../docs/nql-functions.md', import.meta.url)), 'utf8');

describe('function catalog', () => {
  it('is documented in docs/nql-functions.md, and the page lists nothing else', () => {
    const documented = [...doc.matchAll(/^\| `([A-Z_0-9]+)[(`[ ]/gm)].map((m) => m[1]);
    const catalog = [...FUNCTION_LIST.map((d) => d.name), ...Object.keys(functionAliases())];
    expect([...documented].sort()).toEqual([...catalog].sort());
    for (const def of FUNCTION_LIST) expect(doc, def.name).toContain(`| \`${def.signature}\``);
  });

  it('looks names up case-insensitively, aliases included', () => {
    expect(lookupFunction('lower')?.name).toBe('LOWER');
    expect(lookupFunction('Substr')?.name).toBe('SUBSTRING');
    expect(lookupFunction('read_csv')).toBeUndefined();
  });

  it('names the dangerous engine functions', () => {
    for (const name of ['read_csv', 'READ_PARQUET', 'read_text', 'glob', 'getenv', 'duckdb_settings', 'pg_read_file', 'pragma_version']) {
      expect(forbiddenFunctionReason(name), name).toMatch(/not allowed/);
    }
    expect(forbiddenFunctionReason('my_udf')).toBeUndefined();
  });

  it('declares sane arities', () => {
    for (const def of FUNCTION_LIST) expect(def.minArgs <= def.maxArgs, def.name).toBe(true);
  });

  it('gives every function a rendering in every dialect, as the page says', () => {
    // Each row is `| signature | meaning | DuckDB | Spark |`; "same" means the engine's own NAME(args).
    const cells = new Map<string, string[]>();
    for (const line of doc.split('\n')) {
      const m = /^\| `([^`]+)` \|/.exec(line);
      if (m) cells.set(m[1] as string, line.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, '').trim()));
    }
    for (const def of FUNCTION_LIST) {
      const row = cells.get(def.signature) as string[];
      [DUCKDB, SPARK].forEach((dialect, i) => {
        const cell = row[2 + i];
        const rendering = renderingFor(def, dialect);
        expect(rendering, `${def.name} in ${dialect.id}`).toBeDefined();
        expect(cell === 'same', `${def.name}: ${dialect.id} cell "${cell}"`).toBe(dialect.nativeFunctions.has(def.name) && !def.render?.[dialect.id]);
      });
    }
    expect(Object.keys(DIALECTS).sort()).toEqual(['duckdb', 'spark']);
  });

  it('lists as DuckDB-native only functions DuckDB has', async () => {
    const db = await openFixtureDb([]);
    try {
      const rows = (await db.query('SELECT DISTINCT upper(function_name) FROM duckdb_functions()')).rows.map((r) => r[0]);
      const known = new Set(rows);
      expect([...DUCKDB.nativeFunctions].filter((name) => !known.has(name))).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('refuses at compile time a call the dialect cannot render, with the function, dialect and position', () => {
    const analysis = analyze(parse('SELECT id,\n  LOWER(user_id) AS l, COUNT(1) OVER () AS n\nFROM company_data."100"'), fixtureCatalog());
    // A dialect that knows only COUNT (as a new engine would before its functions are mapped).
    const partial = { ...SPARK, nativeFunctions: new Set(['COUNT']) };
    let error: unknown;
    try {
      compile(analysis, partial);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NqlCompileError);
    expect(error).toBeInstanceOf(NqlAnalysisError); // the API maps it like any analysis error: a 400
    expect((error as NqlCompileError).errors.map((d) => [d.code, d.line, d.column, d.message])).toEqual([
      ['unsupported', 2, 3, 'function LOWER has no rendering for the spark dialect: this data plane\'s engine cannot run it'],
    ]);
    expect(compile(analysis, SPARK)).toContain('LOWER(');
  });
});
