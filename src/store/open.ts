import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from './db/types.js';
import { PgDb } from './db/pg.js';
import { PgliteDb } from './db/pglite.js';
import { migrate } from './migrate.js';

export interface StoreConfig {
  /** PostgreSQL connection string; absent = PGlite under `dataDir`. */
  databaseUrl?: string | undefined;
  /** Where PGlite keeps its files (`<dataDir>/pgdata`). `:memory:` keeps everything in memory. */
  dataDir: string;
  poolSize?: number;
}

/** Opens the configured database and brings its schema up to date. */
export async function openStore(config: StoreConfig): Promise<Db> {
  let db: Db;
  if (config.databaseUrl) {
    db = new PgDb({ connectionString: config.databaseUrl, max: config.poolSize ?? 10 });
  } else if (config.dataDir === ':memory:') {
    db = await PgliteDb.open();
  } else {
    const pgdata = path.join(config.dataDir, 'pgdata');
    await mkdir(pgdata, { recursive: true });
    db = await PgliteDb.open(pgdata);
  }
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
