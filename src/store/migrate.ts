import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from './db/types.js';

/** Arbitrary constant: the advisory lock every server takes while migrating, so that N servers starting at once
 * on one database apply each migration exactly once. */
const MIGRATION_LOCK_KEY = 7_311_002_001;

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ''),
      sql: await readFile(`${dir}/${file}`, 'utf8'),
    })),
  );
}

/** Applies pending migrations in order, each in its own transaction, under an advisory lock. Returns what ran. */
export async function migrate(db: Db): Promise<string[]> {
  const migrations = await loadMigrations();
  const applied: string[] = [];
  await db.withAdvisoryLock(MIGRATION_LOCK_KEY, async (conn) => {
    await conn.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set(
      (await conn.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version),
    );
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      // BEGIN/COMMIT on the locked connection: a failed migration leaves nothing half-applied.
      await conn.query('BEGIN');
      try {
        for (const statement of splitStatements(m.sql)) await conn.query(statement);
        await conn.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await conn.query('COMMIT');
      } catch (err) {
        await conn.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.name);
    }
  });
  return applied;
}

/**
 * Splits a migration file into statements at each `;` outside quotes and comments, dropping `--` and block comments.
 * It knows the lexical forms whose contents may hold a `;` or `--`: 'strings' (with '' inside), "identifiers",
 * and dollar-quoted bodies (`$$ ... $$`, `$tag$ ... $tag$`), which trigger functions need (0006).
 * A `$` that does not open a valid tag (a positional parameter like `$1`) is plain text.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  const flush = () => {
    const text = current.trim();
    if (text.length > 0) statements.push(text);
    current = '';
  };
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end; // keep the newline: it separates tokens
      continue;
    }
    if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw new Error('unterminated block comment in migration');
      current += ' ';
      i = end + 2;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const end = closingQuote(sql, i, ch);
      current += sql.slice(i, end);
      i = end;
      continue;
    }
    if (ch === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))?.[0];
      // A tag cannot follow an identifier character (`a$b$` is one identifier).
      if (tag && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
        const end = sql.indexOf(tag, i + tag.length);
        if (end === -1) throw new Error(`unterminated dollar-quoted string ${tag} in migration`);
        current += sql.slice(i, end + tag.length);
        i = end + tag.length;
        continue;
      }
    }
    if (ch === ';') {
      flush();
      i++;
      continue;
    }
    current += ch;
    i++;
  }
  flush();
  return statements;
}

/** The index just past the quote that closes the one at `start` (a doubled quote is an escaped one). */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  for (;;) {
    const end = sql.indexOf(quote, i);
    if (end === -1) throw new Error(`unterminated ${quote === "'" ? 'string' : 'quoted identifier'} in migration`);
    if (sql[end + 1] === quote) {
      i = end + 2;
      continue;
    }
    return end + 1;
  }
}
