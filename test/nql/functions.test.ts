import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FUNCTION_LIST, forbiddenFunctionReason, functionAliases, lookupFunction } from '../../src/nql/functions.js';

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
});
