import type { FastifyInstance } from 'fastify';
import { buildApp, type ApiConfig } from '../../src/api/app.js';
import { bootstrap } from '../../src/store/bootstrap.js';
import { adminCreateCompany, adminCreateToken } from '../../src/server/admin-ops.js';
import { parsePermissionList } from '../../src/core/permissions.js';
import { EmbeddedImporter } from '../../src/plane/import/embedded-importer.js';
import { PlaneImporter } from '../../src/server/plane-importer.js';
import { freshDatabase, type BackendName, type TestDatabase } from './backends.js';
import { PgDb } from '../../src/store/db/pg.js';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A real server on a loopback port, over a fresh database, with the bootstrap admin token. */
export interface TestServer {
  url: string;
  app: FastifyInstance;
  database: TestDatabase;
  adminToken: string;
  companyId: number;
  dataPlaneId: string;
  request<T = any>(method: string, path: string, opts?: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
  /** Mints a token for the bootstrap company (or another) with `permissions` like `jobs:read,jobs:write`. */
  token(permissions: string, opts?: { companyId?: number; dataPlaneId?: string; expiresInSeconds?: number }): Promise<{ id: string; token: string }>;
  /** A second company with its own admin token and default data plane. */
  otherCompany(): Promise<{ companyId: number; dataPlaneId: string; token: string }>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Hold the default data plane's files here, so that the import endpoints work. */
  storageRoot?: string;
  /**
   * A second API server on the first one's database (several servers behind a load balancer): on PostgreSQL with
   * its own connection pool, on PGlite on the same instance (one process can open a PGlite directory once). Its
   * `close()` leaves the database to the first server.
   */
  shareDatabaseOf?: TestServer;
}

export async function startTestServer(backend: BackendName, config: Partial<ApiConfig> = {}, options: TestServerOptions = {}): Promise<TestServer> {
  const first = options.shareDatabaseOf;
  const database: TestDatabase = first ? await sharedDatabase(first.database) : await freshDatabase(backend);
  const boot = first
    ? { adminToken: first.adminToken, companyId: first.companyId, dataPlaneId: first.dataPlaneId }
    : await bootstrap(database.db);
  const importer = options.storageRoot ? new EmbeddedImporter({ dataPlaneId: boot.dataPlaneId, storageRoot: options.storageRoot, memoryLimit: '256MB' }) : undefined;
  const app = await buildApp({ db: database.db, config, ...(importer ? { importer: new PlaneImporter(importer) } : {}) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const server: TestServer = {
    url, app, database,
    adminToken: boot.adminToken!,
    companyId: boot.companyId,
    dataPlaneId: boot.dataPlaneId,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      const token = opts.token === undefined ? boot.adminToken! : opts.token;
      if (token !== null) headers['authorization'] = `Bearer ${token}`;
      let body: string | undefined;
      if (opts.rawBody !== undefined) body = opts.rawBody;
      else if (opts.body !== undefined) body = JSON.stringify(opts.body);
      if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
      const res = await fetch(`${url}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch { /* keep text */ }
      return { status: res.status, headers: res.headers, body: parsed as any };
    },
    async token(permissions, opts = {}) {
      return adminCreateToken(database.db, {
        company_id: opts.companyId ?? boot.companyId, permissions: parsePermissionList(permissions),
        data_plane_id: opts.dataPlaneId, expires_in_seconds: opts.expiresInSeconds,
      });
    },
    async otherCompany() {
      const c = await adminCreateCompany(database.db, `Other ${Math.random().toString(36).slice(2, 8)}`);
      const { token } = await adminCreateToken(database.db, { company_id: c.id, permissions: parsePermissionList('all') });
      return { companyId: c.id, dataPlaneId: c.data_plane_id, token };
    },
    async close() {
      await app.close();
      await importer?.close();
      await database.drop();
    },
  };
  return server;
}

/** Another handle on `db`'s database that does not drop it on close. */
async function sharedDatabase(db: TestDatabase): Promise<TestDatabase> {
  if (!db.databaseUrl) return { ...db, drop: async () => {} };
  const own = new PgDb({ connectionString: db.databaseUrl, max: 20 });
  return { ...db, db: own, drop: async () => own.close() };
}

export const forecastJob = (extra: Record<string, unknown> = {}) => ({
  type: 'nql-forecast',
  input: { nql: 'EXPLAIN SELECT "a" FROM company_data."1"', compiled_sql: 'SELECT "a" FROM "ds_1"' },
  ...extra,
});

export const materializeJob = (datasetId = 6404, extra: Record<string, unknown> = {}) => ({
  type: 'materialize-view',
  input: { nql: 'CREATE MATERIALIZED VIEW "v" AS SELECT "a" FROM company_data."1"', dataset_id: datasetId, stats_enabled: true, compiled_sql: 'SELECT "a" FROM "ds_1"' },
  ...extra,
});
