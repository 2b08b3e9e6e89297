import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { Db } from '../../src/store/db/types.js';
import { PgliteDb } from '../../src/store/db/pglite.js';
import { PgDb } from '../../src/store/db/pg.js';

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
  drop(): Promise<void>;
}

/** A fresh, migrated, empty database of the given kind, private to the caller. */
export async function freshDatabase(backend: BackendName, opts: { open?: boolean } = {}): Promise<TestDatabase> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jobplane-test-'));
  if (backend === 'pglite') {
    await cp(inject('pgliteTemplateDir'), path.join(dataDir, 'pgdata'), { recursive: true });
    const db = opts.open === false ? undefined : await PgliteDb.open(path.join(dataDir, 'pgdata'));
    return {
      db: db as Db, databaseUrl: undefined, dataDir,
      drop: async () => {
        await db?.close();
        await rm(dataDir, { recursive: true, force: true });
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
      await db?.close();
      const c = new pg.Client({ connectionString: tpl.url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
