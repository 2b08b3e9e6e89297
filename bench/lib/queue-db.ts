// The queue benchmark's side of its database: the token its executors use, no-op jobs seeded by SQL, and the
// counters read around each phase (transactions, WAL flushes, and per-table scans and writes, to say what the
// server does per job).
import pg from 'pg';
import { queryableOf } from './database.js';
import type { ServerTree } from './queue-server-tree.js';
import { EVENT_JOB_SNAPSHOT } from '../../src/store/job-transition-sql.js';

export const NOOP_TYPE = 'noop';

export interface QueueTenant {
  token: string;
  companyId: number;
  planeId: string;
}

/**
 * A token for company 1 (bootstrapped by the server) with what an operator needs here: jobs:write (create, claim,
 * complete, run), data-planes:write (register executors) and metrics:read. Made by the server tree's own `tokenCreate`.
 */
export async function queueTenant(c: pg.Client, tree: ServerTree): Promise<QueueTenant> {
  const company = (await c.query<{ id: string; plane: string }>(
    `SELECT id, default_data_plane_id::text AS plane FROM companies ORDER BY id LIMIT 1`,
  )).rows[0];
  if (!company) throw new Error('the server did not bootstrap company 1');
  const permissions = [
    { resource: 'jobs', access: 'write' }, { resource: 'data-planes', access: 'write' },
    // The server's batch-size histograms, read around each phase (statements per job by kind).
    { resource: 'metrics', access: 'read' },
  ];
  const companyId = Number(company.id);
  const { token } = await tree.tokenCreate(queryableOf(c), {
    companyId, userId: 1, name: 'bench-queue', permissions, dataPlaneId: null, expiresAt: null,
  });
  return { token, companyId, planeId: company.plane };
}

/**
 * `count` pending no-op jobs on the tenant's default plane, oldest first in key order, by one INSERT ... SELECT
 * generate_series through the real schema (every index, constraint and foreign key). With `events`, each gets the
 * `create` event `POST /jobs` writes (jobCreate in src/store/jobs.ts); the 1M-row plan table goes without (the claim
 * never reads events). Returns the job ids when `returnIds`.
 */
export async function seedNoopJobs(c: pg.Client, t: QueueTenant, opts: {
  prefix: string; count: number; events: boolean; returnIds?: boolean;
}): Promise<string[]> {
  const source = JSON.stringify({ type: 'api_user', company_id: t.companyId, user_id: 1 });
  const actor = JSON.stringify({ type: 'api_user', company_id: t.companyId, user_id: 1, token_id: null });
  const rows = (await c.query<{ id: string }>(
    `WITH ins AS (
       INSERT INTO jobs AS j (job_id, company_id, data_plane_id, request_source, type, input, idempotency_key, created_at, updated_at)
       SELECT gen_random_uuid(), $1, $2::uuid, $3::jsonb, $4, '{}'::jsonb, $5::text || g, ts, ts
         FROM generate_series(1, $6::int) g,
              LATERAL (SELECT now() - (($6::int - g) * interval '1 microsecond') AS ts) t
       RETURNING j.job_id, j.company_id, ${EVENT_JOB_SNAPSHOT}
     ), ev AS (
       -- The event's company and job snapshot as the store writes them (a server tree before migration 0010
       -- overwrites both from its trigger, with the same values).
       INSERT INTO job_events (job_id, company_id, job, action, from_state, to_state, attempt, executor, actor)
       SELECT job_id, company_id, event_job, 'create', NULL, 'pending', 0, NULL, $7::jsonb FROM ins WHERE $8::boolean
     )
     SELECT job_id::text AS id FROM ins WHERE $9::boolean`,
    [t.companyId, t.planeId, source, NOOP_TYPE, opts.prefix, opts.count, actor, opts.events, opts.returnIds ?? false],
  )).rows;
  return rows.map((r) => r.id);
}

/** Jobs of one seeded batch (idempotency_key prefix) by state. */
export async function statesOf(c: pg.Client, prefix: string): Promise<Record<string, number>> {
  const rows = (await c.query<{ state: string; n: number }>(
    `SELECT state, count(*)::int AS n FROM jobs WHERE idempotency_key LIKE $1 || '%' GROUP BY state`, [prefix],
  )).rows;
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/** Per-table activity counters (pg_stat_user_tables), keyed schema.table. */
export interface TableCounters {
  seqScan: number;
  idxScan: number;
  ins: number;
  upd: number;
  hotUpd: number;
  del: number;
}

export interface QueueCounters {
  xactCommit: number;
  xactRollback: number;
  /** Cluster-wide (pg_stat_wal): other databases on the server add to these. */
  walRecords: number;
  walBytes: number;
  walSyncs: number;
  tables: Record<string, TableCounters>;
}

export async function readCounters(c: pg.Client, db: string): Promise<QueueCounters> {
  // pg_stat_* are snapshots per transaction: clear so each read is fresh.
  await c.query('SELECT pg_stat_clear_snapshot()');
  const r = (await c.query<Record<string, string>>(
    `SELECT d.xact_commit, d.xact_rollback, w.wal_records, w.wal_bytes, w.wal_sync
       FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = $1`, [db],
  )).rows[0]!;
  const t = (await c.query<{ name: string; seq: string; idx: string | null; ins: string; upd: string; hot: string; del: string }>(
    `SELECT schemaname || '.' || relname AS name, seq_scan AS seq, idx_scan AS idx, n_tup_ins AS ins, n_tup_upd AS upd,
            n_tup_hot_upd AS hot, n_tup_del AS del
       FROM pg_stat_user_tables`,
  )).rows;
  const tables: Record<string, TableCounters> = {};
  for (const x of t) {
    tables[x.name] = {
      seqScan: Number(x.seq), idxScan: Number(x.idx ?? 0), ins: Number(x.ins), upd: Number(x.upd), hotUpd: Number(x.hot), del: Number(x.del),
    };
  }
  return {
    xactCommit: Number(r['xact_commit']), xactRollback: Number(r['xact_rollback']), walRecords: Number(r['wal_records']),
    walBytes: Number(r['wal_bytes']), walSyncs: Number(r['wal_sync']), tables,
  };
}

export function counterDelta(a: QueueCounters, b: QueueCounters): QueueCounters {
  const tables: Record<string, TableCounters> = {};
  for (const [name, after] of Object.entries(b.tables)) {
    const before = a.tables[name] ?? { seqScan: 0, idxScan: 0, ins: 0, upd: 0, hotUpd: 0, del: 0 };
    const d: TableCounters = {
      seqScan: after.seqScan - before.seqScan, idxScan: after.idxScan - before.idxScan, ins: after.ins - before.ins,
      upd: after.upd - before.upd, hotUpd: after.hotUpd - before.hotUpd, del: after.del - before.del,
    };
    if (d.seqScan || d.idxScan || d.ins || d.upd || d.del) tables[name] = d;
  }
  return {
    xactCommit: b.xactCommit - a.xactCommit, xactRollback: b.xactRollback - a.xactRollback,
    walRecords: b.walRecords - a.walRecords, walBytes: b.walBytes - a.walBytes, walSyncs: b.walSyncs - a.walSyncs, tables,
  };
}

/** Settings that decide a queue's speed on this server, read once per run. */
export async function pgSettings(c: pg.Client): Promise<Record<string, string>> {
  const names = [
    'server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'commit_delay', 'full_page_writes', 'shared_buffers',
    'work_mem', 'max_connections', 'checkpoint_timeout', 'max_wal_size', 'random_page_cost', 'effective_cache_size',
    'plan_cache_mode', 'jit', 'autovacuum',
  ];
  const rows = (await c.query<{ name: string; setting: string }>(
    `SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name`, [names],
  )).rows;
  return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
}

/**
 * The group commit's statements so far, by kind, from the server's Prometheus histograms
 * (`jobplane_write_batch_size` by kind, `jobplane_run_batch_size` for run): `_count` is statements, `_sum` requests.
 */
export async function writeBatchCounters(baseUrl: string, token: string): Promise<Record<string, { statements: number; requests: number }>> {
  const res = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET /metrics: ${res.status} ${await res.text()}`);
  const out: Record<string, { statements: number; requests: number }> = {};
  for (const line of (await res.text()).split('\n')) {
    const m = /^jobplane_(?:write_batch_size_(sum|count)\{kind="([a-z]+)"\}|run_batch_size_(sum|count)) ([0-9.e+]+)$/.exec(line);
    if (!m) continue;
    const kind = m[2] ?? 'run';
    const what = (m[1] ?? m[3]) === 'sum' ? 'requests' : 'statements';
    (out[kind] ??= { statements: 0, requests: 0 })[what] = Number(m[4]);
  }
  return out;
}

export function writeBatchDelta(
  a: Record<string, { statements: number; requests: number }>, b: Record<string, { statements: number; requests: number }>,
): Record<string, { statements: number; requests: number }> {
  return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, {
    statements: v.statements - (a[k]?.statements ?? 0), requests: v.requests - (a[k]?.requests ?? 0),
  }]).filter(([, v]) => (v as { statements: number }).statements > 0));
}
