import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { PgliteDb } from '../../src/store/db/pglite.js';
import { migrate } from '../../src/store/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplateDir: string;
    postgresTemplate: { url: string; templateDb: string } | null;
  }
}

/**
 * Builds the migrated databases every test file starts from, once per run: a PGlite data dir (a fresh PGlite
 * runs initdb, 3-6 s; copying a template takes about 1 s) and, when DATABASE_URL is set, a PostgreSQL template
 * database that each test file clones with CREATE DATABASE ... TEMPLATE. The global setup of the unit tests
 * (vitest.unit.config.ts), which spawn no CLI; global-setup.ts adds the CLI build for the full suite.
 */
export default async function setup(project: TestProject) {
  const templateDir = await mkdtemp(path.join(os.tmpdir(), 'jobplane-pglite-template-'));
  const db = await PgliteDb.open(templateDir);
  await migrate(db);
  await db.close();
  project.provide('pgliteTemplateDir', templateDir);

  let cleanupPg = async () => {};
  const url = process.env['DATABASE_URL'];
  if (url) {
    const templateDb = `${new URL(url).pathname.slice(1) || 'jobplane'}_tpl_${process.pid}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${templateDb}"`);
    await admin.query(`CREATE DATABASE "${templateDb}"`);
    await admin.end();
    const tplUrl = new URL(url);
    tplUrl.pathname = `/${templateDb}`;
    const { PgDb } = await import('../../src/store/db/pg.js');
    const tpl = new PgDb({ connectionString: tplUrl.toString(), max: 1 });
    await migrate(tpl);
    await tpl.close();
    project.provide('postgresTemplate', { url, templateDb });
    cleanupPg = async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${templateDb}" WITH (FORCE)`);
      await c.end();
    };
  } else {
    project.provide('postgresTemplate', null);
  }

  return async () => {
    await rm(templateDir, { recursive: true, force: true });
    await cleanupPg();
  };
}

