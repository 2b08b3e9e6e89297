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
 * Splits a migration file into statements at `;` line ends, skipping `--` comment lines. Our migrations contain
 * no function bodies or string literals with `;`, which keeps this simple; a file that needs them would use `$$`
 * and this splitter would have to learn about dollar quoting.
 */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .map((line) => line.replace(/--.*$/, ''))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
