import { describe, expect, it } from 'vitest';
import { loadMigrations, splitStatements } from '../../src/store/migrate.js';

/** The splitter before it learned quoting: `;` at a line end, `--` comments dropped line by line. */
function lineSplit(sql: string): string[] {
  return sql.split('\n').map((line) => line.replace(/--.*$/, '')).join('\n')
    .split(/;\s*(?:\n|$)/).map((s) => s.trim()).filter((s) => s.length > 0);
}

describe('splitStatements', () => {
  it('splits the migrations without function bodies exactly as the line splitter did', async () => {
    const migrations = (await loadMigrations()).filter((m) => !m.sql.includes('$$'));
    expect(migrations.length).toBeGreaterThanOrEqual(4);
    for (const m of migrations) expect(splitStatements(m.sql), m.name).toEqual(lineSplit(m.sql));
  });

  it('keeps a dollar-quoted function body whole, with its inner semicolons and comments', () => {
    const sql = `CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.a := 1; -- set it
  RETURN NEW;
END
$$;
CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW EXECUTE FUNCTION f();`;
    const out = splitStatements(sql);
    expect(out).toHaveLength(2);
    expect(out[0]).toContain('NEW.a := 1; -- set it\n  RETURN NEW;');
    expect(out[0]!.endsWith('$$')).toBe(true);
    expect(out[1]).toBe('CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW EXECUTE FUNCTION f()');
  });

  it('knows tagged dollar quotes, strings and quoted identifiers, and that $1 is no tag', () => {
    const sql = `SELECT $body$ a $$ ; b $body$; SELECT 'it''s; -- not a comment'; SELECT "semi;colon" FROM t WHERE a = $1; /* c; */ SELECT 2`;
    expect(splitStatements(sql)).toEqual([
      'SELECT $body$ a $$ ; b $body$',
      "SELECT 'it''s; -- not a comment'",
      'SELECT "semi;colon" FROM t WHERE a = $1',
      'SELECT 2',
    ]);
  });

  it('refuses an unterminated body instead of running half of it', () => {
    expect(() => splitStatements('CREATE FUNCTION f() AS $$ BEGIN; END;')).toThrow(/unterminated dollar-quoted/);
    expect(() => splitStatements("SELECT 'open")).toThrow(/unterminated string/);
  });
});
