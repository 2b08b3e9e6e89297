import type { Queryable } from './db/types.js';
import { ts } from './job-columns.js';

export const SCHEDULE_STATUSES = ['active', 'pending', 'archived'] as const;
export type ScheduleStatus = (typeof SCHEDULE_STATUSES)[number];

export interface RefreshSchedule {
  dataset_id: number;
  company_id: number;
  cron: string;
  cron_zone_id: string;
  execution_cluster: { type: 'dedicated' | 'shared' };
  stats_enabled: boolean | null;
  status: ScheduleStatus;
  next_run_at: string | null;
  last_tick_at: string | null;
  created_at: string;
  updated_at: string;
}

type ScheduleRow = Omit<RefreshSchedule, 'execution_cluster'> & { execution_cluster: 'dedicated' | 'shared' };

const COLUMNS = `s.dataset_id, s.company_id, s.cron, s.cron_zone_id, s.execution_cluster, s.stats_enabled, s.status,
  ${ts('s.next_run_at')} AS next_run_at, ${ts('s.last_tick_at')} AS last_tick_at, ${ts('s.created_at')} AS created_at,
  ${ts('s.updated_at')} AS updated_at`;

const toSchedule = (row: ScheduleRow): RefreshSchedule => ({ ...row, execution_cluster: { type: row.execution_cluster } });

export interface ScheduleFields {
  cron: string;
  cronZoneId: string;
  executionCluster: 'dedicated' | 'shared';
  statsEnabled: boolean | null;
  status: ScheduleStatus;
  /** The first tick to act on (null unless active). */
  nextRunAt: Date | null;
}

const SET_FIELDS = `cron = EXCLUDED.cron, cron_zone_id = EXCLUDED.cron_zone_id, execution_cluster = EXCLUDED.execution_cluster,
  stats_enabled = EXCLUDED.stats_enabled, status = EXCLUDED.status, next_run_at = EXCLUDED.next_run_at, updated_at = now()`;

const fieldValues = (companyId: number, datasetId: number, f: ScheduleFields) =>
  [datasetId, companyId, f.cron, f.cronZoneId, f.executionCluster, f.statsEnabled, f.status, f.nextRunAt?.toISOString() ?? null];

/** Sets the view's schedule whatever it had (a new view's REFRESH_SCHEDULE). */
export async function scheduleUpsert(db: Queryable, companyId: number, datasetId: number, f: ScheduleFields): Promise<RefreshSchedule> {
  const rows = await db.query<ScheduleRow>(
    `INSERT INTO refresh_schedules AS s (dataset_id, company_id, cron, cron_zone_id, execution_cluster, stats_enabled, status, next_run_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (dataset_id) DO UPDATE SET ${SET_FIELDS}
     RETURNING ${COLUMNS}`,
    fieldValues(companyId, datasetId, f),
  );
  return toSchedule(rows[0]!);
}

/**
 * Creates the view's schedule (POST), or sets an archived one anew; undefined when the view has a live (active or
 * pending) schedule, which only PUT changes. One statement, so two concurrent POSTs cannot both succeed.
 */
export async function scheduleCreate(db: Queryable, companyId: number, datasetId: number, f: ScheduleFields): Promise<RefreshSchedule | undefined> {
  const rows = await db.query<ScheduleRow>(
    `INSERT INTO refresh_schedules AS s (dataset_id, company_id, cron, cron_zone_id, execution_cluster, stats_enabled, status, next_run_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (dataset_id) DO UPDATE SET ${SET_FIELDS} WHERE s.status = 'archived'
     RETURNING ${COLUMNS}`,
    fieldValues(companyId, datasetId, f),
  );
  return rows[0] ? toSchedule(rows[0]) : undefined;
}

/** Replaces the view's schedule (PUT); undefined when it has none. Its recorded ticks and last tick stay. */
export async function scheduleReplace(db: Queryable, companyId: number, datasetId: number, f: ScheduleFields): Promise<RefreshSchedule | undefined> {
  const rows = await db.query<ScheduleRow>(
    `UPDATE refresh_schedules s SET cron = $3, cron_zone_id = $4, execution_cluster = $5, stats_enabled = $6, status = $7,
            next_run_at = $8, updated_at = now()
      WHERE s.dataset_id = $1 AND s.company_id = $2
      RETURNING ${COLUMNS}`,
    fieldValues(companyId, datasetId, f),
  );
  return rows[0] ? toSchedule(rows[0]) : undefined;
}

export async function scheduleGet(db: Queryable, companyId: number, datasetId: number): Promise<RefreshSchedule | undefined> {
  const rows = await db.query<ScheduleRow>(
    `SELECT ${COLUMNS} FROM refresh_schedules s WHERE s.dataset_id = $1 AND s.company_id = $2`, [datasetId, companyId],
  );
  return rows[0] ? toSchedule(rows[0]) : undefined;
}

/** Archives the schedule (DELETE): kept with its ticks, never runs again. */
export async function scheduleArchive(db: Queryable, companyId: number, datasetId: number): Promise<RefreshSchedule | undefined> {
  const rows = await db.query<ScheduleRow>(
    `UPDATE refresh_schedules s SET status = 'archived', next_run_at = NULL, updated_at = now()
      WHERE s.dataset_id = $1 AND s.company_id = $2 RETURNING ${COLUMNS}`,
    [datasetId, companyId],
  );
  return rows[0] ? toSchedule(rows[0]) : undefined;
}

/**
 * Active schedules whose next tick is due at `now`, locked for the caller's transaction. Rows another scheduler
 * holds are skipped, not waited for: it is acting on them, and their next_run_at moves past now when it commits.
 */
export async function schedulesDue(db: Queryable, now: Date, limit: number): Promise<RefreshSchedule[]> {
  const rows = await db.query<ScheduleRow>(
    `SELECT ${COLUMNS} FROM refresh_schedules s WHERE s.status = 'active' AND s.next_run_at <= $1
      ORDER BY s.next_run_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now.toISOString(), limit],
  );
  return rows.map(toSchedule);
}

export interface TickRecord {
  datasetId: number;
  tickAt: Date;
  outcome: 'refreshed' | 'reused' | 'skipped_running';
  missed: number;
  jobId: string | null;
  lateMs: number;
}

/**
 * Records the ticks a scheduler pass acted on, in one statement. The key (schedule, tick) makes a tick recorded
 * once: returns how many rows were new, and the caller, which checked each tick against its schedule's
 * last_tick_at under the schedule's row lock, treats fewer as a broken invariant and rolls back.
 */
export async function ticksRecord(db: Queryable, ticks: readonly TickRecord[]): Promise<number> {
  if (ticks.length === 0) return 0;
  const rows = await db.query<{ ok: number }>(
    `INSERT INTO refresh_ticks (dataset_id, tick_at, outcome, missed, job_id, late_ms)
     SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::int[], $5::uuid[], $6::int[])
     ON CONFLICT DO NOTHING RETURNING 1 AS ok`,
    [
      ticks.map((t) => t.datasetId), ticks.map((t) => t.tickAt.toISOString()), ticks.map((t) => t.outcome),
      ticks.map((t) => t.missed), ticks.map((t) => t.jobId), ticks.map((t) => Math.min(2 ** 31 - 1, Math.max(0, Math.round(t.lateMs)))),
    ],
  );
  return rows.length;
}

export interface ScheduleAdvance {
  datasetId: number;
  /** The next tick to act on; null archives the schedule (its expression has no more ticks, or it cannot run). */
  next: Date | null;
  /** The tick just acted on (last_tick_at never moves back). */
  lastTick: Date | null;
}

/** Moves schedules past the ticks a pass acted on, in one statement. */
export async function schedulesAdvance(db: Queryable, advances: readonly ScheduleAdvance[]): Promise<void> {
  if (advances.length === 0) return;
  await db.query(
    `UPDATE refresh_schedules s SET next_run_at = a.next, updated_at = now(),
            last_tick_at = GREATEST(s.last_tick_at, a.last_tick),
            status = CASE WHEN a.next IS NULL THEN 'archived' ELSE s.status END
       FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[]) AS a (dataset_id, next, last_tick)
      WHERE s.dataset_id = a.dataset_id`,
    [advances.map((a) => a.datasetId), advances.map((a) => a.next?.toISOString() ?? null), advances.map((a) => a.lastTick?.toISOString() ?? null)],
  );
}

/** When the earliest active schedule is due next (the scheduler sleeps until then, bounded by its interval). */
export async function scheduleNextDue(db: Queryable): Promise<Date | null> {
  const rows = await db.query<{ at: string | null }>(
    `SELECT ${ts('min(next_run_at)')} AS at FROM refresh_schedules WHERE status = 'active'`,
  );
  return rows[0]?.at ? new Date(rows[0].at) : null;
}

export interface Tick {
  tick_at: string;
  outcome: TickRecord['outcome'];
  missed: number;
  job_id: string | null;
  late_ms: number;
  recorded_at: string;
}

export async function tickList(db: Queryable, datasetId: number, limit: number): Promise<Tick[]> {
  return db.query<Tick>(
    `SELECT ${ts('tick_at')} AS tick_at, outcome, missed, job_id::text AS job_id, late_ms, ${ts('recorded_at')} AS recorded_at
       FROM refresh_ticks WHERE dataset_id = $1 ORDER BY tick_at DESC LIMIT $2`,
    [datasetId, limit],
  );
}
