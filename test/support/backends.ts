import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { Db, Queryable } from '../../src/store/db/types.js';
import { PgliteDb } from '../../src/store/db/pglite.js';
import { PgDb } from '../../src/store/db/pg.js';
import { assertOnlyAllowedMoves } from './job-event-audit.js';

export type BackendName = 'pglite' | 'postgres';

/** Every suite runs on PGlite; on PostgreSQL too when DATABASE_URL is set (CI sets it). */
export function backends(): BackendName[] {
  return inject('postgresTemplate') ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestDatabase {
  db: Db;
  /** For PostgreSQL, the connection string of this test's own database (spawned servers use it). */
  databaseUrl: string | undefined;
  /** For PGlite, the data dir holding this test's copy (spawned servers use it). */
  dataDir: string;
  /**
   * Checks that every move written to job_events is one the transition table allows (job-event-audit.ts), then
   * closes and deletes the database, and rejects if the check failed: await it in an afterAll/afterEach (every
   * close() of the harness does), so that a forbidden move fails the test file. Stop processes using the database first.
   */
  drop(): Promise<void>;
}

/** A fresh, migrated, empty database of the given kind, private to the caller. */
export async function freshDatabase(backend: BackendName, opts: { open?: boolean } = {}): Promise<TestDatabase> {
  const database = await createDatabase(backend, opts);
  const live = liveDatabases();
  live.add(database);
  const drop = database.drop;
  let dropping: Promise<void> | undefined;
  database.drop = () => {
    live.delete(database);
    dropping ??= drop();
    return dropping;
  };
  return database;
}

/**
 * The databases of this test file not dropped yet. Kept on globalThis so that the setup file (drop-leftovers.ts)
 * can find them without importing this module (and PGlite with it) into files that never use a database.
 */
function liveDatabases(): Set<TestDatabase> {
  const g = globalThis as { __jobplaneLiveTestDatabases?: Set<TestDatabase> };
  return (g.__jobplaneLiveTestDatabases ??= new Set());
}

async function createDatabase(backend: BackendName, opts: { open?: boolean }): Promise<TestDatabase> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jobplane-test-'));
  if (backend === 'pglite') {
    await cp(inject('pgliteTemplateDir'), path.join(dataDir, 'pgdata'), { recursive: true });
    const pgdata = path.join(dataDir, 'pgdata');
    const db = opts.open === false ? undefined : await PgliteDb.open(pgdata);
    return {
      db: db as Db, databaseUrl: undefined, dataDir,
      drop: async () => {
        try {
          await auditPglite(db, pgdata);
        } finally {
          await db?.close();
          await rm(dataDir, { recursive: true, force: true });
        }
      },
    };
  }
  const tpl = inject('postgresTemplate');
  if (!tpl) throw new Error('postgres backend requested without DATABASE_URL');
  const name = `${tpl.templateDb}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: tpl.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${tpl.templateDb}"`);
  await admin.end();
  const url = new URL(tpl.url);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const db = opts.open === false ? undefined : new PgDb({ connectionString: databaseUrl, max: 20 });
  return {
    db: db as Db, databaseUrl, dataDir,
    drop: async () => {
      try {
        await auditPostgres(databaseUrl, name);
      } finally {
        await dropPostgres(db, tpl.url, name, dataDir);
      }
    },
  };
}

async function dropPostgres(db: Db | undefined, adminUrl: string, name: string, dataDir: string): Promise<void> {
  await db?.close();
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await c.end();
  await rm(dataDir, { recursive: true, force: true });
}

/** The harness check (job-event-audit.ts) on a PostgreSQL test database, over a connection of its own. */
async function auditPostgres(databaseUrl: string, name: string): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl });
  try {
    await c.connect();
  } catch (err) {
    await c.end().catch(() => {});
    if ((err as { code?: string } | null)?.code === '3D000') return; // the test dropped its database itself
    throw err;
  }
  try {
    await assertOnlyAllowedMoves(clientQueryable(c), `${name} (PostgreSQL)`);
  } catch (err) {
    if (!isMissingTable(err)) throw err;
  } finally {
    await c.end();
  }
}

/**
 * The harness check on a PGlite test database: through the test's own handle while it is open, else (the database
 * was used by a spawned server, or the test closed its handle) by opening the copy's directory.
 */
async function auditPglite(db: Db | undefined, pgdata: string): Promise<void> {
  const where = `${pgdata} (PGlite)`;
  if (db) {
    try {
      await assertOnlyAllowedMoves(db, where);
      return;
    } catch (err) {
      if (isMissingTable(err)) return;
      if (!isClosedPglite(err)) throw err;
    }
  }
  if (!existsSync(pgdata)) return; // nothing was ever written (or the test removed it)
  const reopened = await PgliteDb.open(pgdata);
  try {
    await assertOnlyAllowedMoves(reopened, where);
  } catch (err) {
    if (!isMissingTable(err)) throw err;
  } finally {
    await reopened.close();
  }
}

const clientQueryable = (c: pg.Client): Queryable => ({
  async query<T>(text: string, values?: readonly unknown[]) {
    return (await c.query(text, values as unknown[] | undefined)).rows as T[];
  },
});

/** A test that dropped the schema (migration tests) has no job_events to check. */
const isMissingTable = (err: unknown) => (err as { code?: string } | null)?.code === '42P01';
const isClosedPglite = (err: unknown) => /closed/i.test((err as Error | null)?.message ?? '');
