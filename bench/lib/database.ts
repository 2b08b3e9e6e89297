// The benchmark's own PostgreSQL database: create, seed, observe, drop.
import pg from 'pg';
import type { Permission } from '../../src/core/permissions.js';
import type { Queryable } from '../../src/store/db/types.js';
import { tokenCreate } from '../../src/store/tokens.js';
import { EVENT_JOB_SNAPSHOT } from '../../src/store/job-transition-sql.js';

export const SERVER_URL = process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432';

export function databaseUrl(name: string): string {
  return `${SERVER_URL}/${name}`;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'jobplane-bench' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function createDatabase(name: string): Promise<void> {
  await withClient(`${SERVER_URL}/postgres`, (c) => c.query(`CREATE DATABASE "${name}"`));
}

/** Drops the database, disconnecting whoever is still on it (PG >= 13). */
export async function dropDatabase(name: string): Promise<void> {
  await withClient(`${SERVER_URL}/postgres`, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export interface ServerSettings {
  version: string;
  fsync: string;
  synchronousCommit: string;
  walSync: string;
  commitDelay: string;
  sharedBuffers: string;
  maxConnections: string;
  fullPageWrites: string;
  checkpointTimeout: string;
}

async function serverSettings(c: pg.Client): Promise<ServerSettings> {
  const get = async (name: string) => (await c.query<{ v: string }>(`SELECT current_setting($1) AS v`, [name])).rows[0]!.v;
  return {
    version: await get('server_version'),
    fsync: await get('fsync'),
    synchronousCommit: await get('synchronous_commit'),
    walSync: await get('wal_sync_method'),
    commitDelay: await get('commit_delay'),
    sharedBuffers: await get('shared_buffers'),
    maxConnections: await get('max_connections'),
    fullPageWrites: await get('full_page_writes'),
    checkpointTimeout: await get('checkpoint_timeout'),
  };
}

/** A Queryable over one pg client, so the project's own store functions can run against it. */
export function queryableOf(c: pg.Client): Queryable {
  return { query: async <T>(text: string, values?: readonly unknown[]) => (await c.query(text, values as unknown[])).rows as T[] };
}

const INPUT = JSON.stringify({
  nql: 'EXPLAIN SELECT "a" FROM company_data."6402"',
  compiled_sql: 'SELECT "a" FROM "ds_6402"',
});

/**
 * Seeds by SQL (INSERT ... SELECT generate_series: the fastest path that still goes through every index and
 * constraint of the real schema), after the server has migrated and bootstrapped the database:
 * - pending jobs for the API's `run` phase, each with its `create` event as POST /jobs writes it;
 * - pending jobs for pgbench, numbered in the helper table `bench_pgb(n PRIMARY KEY, job_id)` (no events: pgbench
 *   never reads them, and seeding is the slow part of the run on a loaded machine);
 * - a `jobs:read,jobs:write` token for company 1, made by the project's own `tokenCreate`.
 * Pools start small and are topped up between a phase's warm-up and its measurement, sized from the warm-up's rate.
 * Every seeding step ends with VACUUM, so neither side pays for hint bits or a missing visibility map on first touch.
 */
export class Seeder {
  private pgbNext = 0;
  private runNext = 0;
  token = '';
  companyId = 0;
  dataPlaneId = '';
  /** Jobs seeded for each pool (the report's N). */
  runSeeded = 0;
  pgbSeeded = 0;

  private constructor(private readonly c: pg.Client) {}

  static async open(url: string): Promise<Seeder> {
    const c = new pg.Client({ connectionString: url, application_name: 'jobplane-bench-seed' });
    await c.connect();
    const s = new Seeder(c);
    const company = (await c.query<{ id: string; plane: string }>(
      `SELECT id, default_data_plane_id::text AS plane FROM companies ORDER BY id LIMIT 1`,
    )).rows[0];
    if (!company) throw new Error('the server did not bootstrap company 1');
    s.companyId = Number(company.id);
    s.dataPlaneId = company.plane;
    await c.query(`CREATE TABLE bench_pgb (n int PRIMARY KEY, job_id uuid NOT NULL)`);
    // metrics:read: the bench reads the servers' /metrics (run batch sizes), which needs a token.
    const perms: Permission[] = [{ resource: 'jobs', access: 'read' }, { resource: 'jobs', access: 'write' }, { resource: 'metrics', access: 'read' }];
    s.token = (await tokenCreate(queryableOf(c), {
      companyId: s.companyId, userId: 1, name: 'bench', permissions: perms, dataPlaneId: null, expiresAt: null,
    })).token;
    return s;
  }

  private async insertJobs(prefix: string, from: number, count: number, withEvents: boolean): Promise<string[]> {
    const source = JSON.stringify({ type: 'api_user', company_id: this.companyId, user_id: 1 });
    const actor = JSON.stringify({ type: 'api_user', company_id: this.companyId, user_id: 1, token_id: null });
    const rows = (await this.c.query<{ id: string }>(
      `WITH ins AS (
         INSERT INTO jobs AS j (job_id, company_id, data_plane_id, request_source, type, input, idempotency_key, created_at, updated_at)
         SELECT gen_random_uuid(), $1, $2::uuid, $3::jsonb, 'nql-forecast', $4::jsonb, $5::text || g, ts, ts
           FROM generate_series($6::int, $7::int) g,
                LATERAL (SELECT now() - (($7::int - g) * interval '1 millisecond') AS ts) t
         RETURNING j.job_id, j.company_id, j.idempotency_key, ${EVENT_JOB_SNAPSHOT}
       ), ev AS (
         INSERT INTO job_events (job_id, company_id, job, action, from_state, to_state, attempt, executor, actor)
         SELECT job_id, company_id, event_job, 'create', NULL, 'pending', 0, NULL, $8::jsonb FROM ins WHERE $9::boolean
       ), pgb AS (
         INSERT INTO bench_pgb (n, job_id)
         SELECT substr(idempotency_key, length($5::text) + 1)::int, job_id FROM ins WHERE $5::text = 'bench-pgb-'
       )
       SELECT job_id::text AS id FROM ins`,
      [this.companyId, this.dataPlaneId, source, INPUT, prefix, from, from + count - 1, actor, withEvents],
    )).rows;
    await this.c.query('VACUUM jobs');
    return rows.map((r) => r.id);
  }

  /** `count` more pending jobs for the API, in random order. */
  async addRunJobs(count: number): Promise<string[]> {
    const ids = await this.insertJobs('bench-run-', this.runNext + 1, count, true);
    this.runNext += count;
    this.runSeeded += count;
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    return ids;
  }

  /** Makes sure rows `after + 1 .. after + needed` of bench_pgb exist; returns how many were added. */
  async ensurePgbenchRows(after: number, needed: number): Promise<number> {
    const missing = after + needed - this.pgbNext;
    if (missing <= 0) return 0;
    await this.insertJobs('bench-pgb-', this.pgbNext + 1, missing, false);
    this.pgbNext += missing;
    this.pgbSeeded += missing;
    return missing;
  }

  get pgbenchRows(): number {
    return this.pgbNext;
  }

  async analyze(): Promise<void> {
    await this.c.query('VACUUM ANALYZE jobs, job_events, access_tokens, bench_pgb');
  }

  async close(): Promise<void> {
    await this.c.end().catch(() => {});
  }
}

/** Counters of this database, read before and after each phase. */
export interface DbCounters {
  xactCommit: number;
  xactRollback: number;
  jobsUpdated: number;
  eventsInserted: number;
  /** Cluster-wide (pg_stat_wal): other databases on the server add to these. */
  walRecords: number;
  walBytes: number;
  walSyncs: number;
}

export class Observer {
  private constructor(private readonly client: pg.Client, readonly db: string) {}

  static async open(url: string, db: string): Promise<Observer> {
    const client = new pg.Client({ connectionString: url, application_name: 'jobplane-bench-observer' });
    await client.connect();
    return new Observer(client, db);
  }

  async counters(): Promise<DbCounters> {
    // pg_stat_* are per-transaction snapshots: clear them so each read is fresh.
    await this.client.query('SELECT pg_stat_clear_snapshot()');
    const r = (await this.client.query(
      `SELECT d.xact_commit, d.xact_rollback,
              (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'jobs') AS jobs_upd,
              (SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'job_events') AS ev_ins,
              w.wal_records, w.wal_bytes, w.wal_sync
         FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = $1`,
      [this.db],
    )).rows[0] as Record<string, string>;
    return {
      xactCommit: Number(r['xact_commit']), xactRollback: Number(r['xact_rollback']),
      jobsUpdated: Number(r['jobs_upd']), eventsInserted: Number(r['ev_ins']),
      walRecords: Number(r['wal_records']), walBytes: Number(r['wal_bytes']), walSyncs: Number(r['wal_sync']),
    };
  }

  settings(): Promise<ServerSettings> {
    return serverSettings(this.client);
  }

  /** Backend pids connected to the bench database, except this observer's own. */
  async backendPids(): Promise<number[]> {
    const rows = (await this.client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [this.db],
    )).rows;
    return rows.map((r) => r.pid);
  }

  async query<T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]> {
    return (await this.client.query<T>(text, values)).rows;
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}
