import { Type } from 'typebox';
import { REFRESH_TYPES } from '../../core/view-refresh.js';
import { SCHEDULE_STATUSES } from '../../store/refresh-schedules.js';
import { Nullable, NullableTimestamp, StringEnum, Text, Timestamp, Uuid } from './common.js';
import { ExecutionCluster } from './jobs.js';

export const RefreshBody = Type.Object(
  {
    type: Type.Optional(StringEnum(REFRESH_TYPES, {
      default: 'full',
      description: 'incremental: read only the input files added since the view\'s last refresh and append the result (the view\'s query must allow it; otherwise the job runs in full and says why).',
    })),
    execution_cluster: Type.Optional(ExecutionCluster),
    force: Type.Optional(Type.Boolean({ default: false, description: 'Run even when no input changed (no reuse of the current snapshot).' })),
  },
  { additionalProperties: false },
);

export const ScheduleBody = Type.Object(
  {
    cron: Text({ minLength: 1, maxLength: 200, description: 'A cron expression (5 or 6 fields) or @hourly, @daily, @weekly, @monthly, @yearly.', examples: ['@hourly', '0 12 * * 1-5'] }),
    cron_zone_id: Type.Optional(Text({ minLength: 1, maxLength: 64, default: 'UTC', description: 'The time zone the expression is read in (IANA, e.g. Europe/Berlin, or EST).' })),
    execution_cluster: Type.Optional(ExecutionCluster),
    stats_enabled: Type.Optional(Type.Boolean({ description: 'Compute column statistics on each refresh (default: the view\'s EXTENDED_STATS).' })),
    status: Type.Optional(StringEnum(SCHEDULE_STATUSES, { default: 'active', description: 'Only active schedules run.' })),
  },
  { additionalProperties: false },
);

export const Schedule = Type.Object(
  {
    dataset_id: Type.Integer(),
    cron: Text(),
    cron_zone_id: Text(),
    execution_cluster: ExecutionCluster,
    stats_enabled: Nullable(Type.Boolean()),
    status: StringEnum(SCHEDULE_STATUSES),
    next_run_at: NullableTimestamp('The next tick the scheduler acts on (null unless active).'),
    next_runs: Type.Array(Timestamp('A coming tick.'), { description: 'The next ticks, in UTC.' }),
    last_tick_at: NullableTimestamp('The last tick acted on.'),
    recent_ticks: Type.Array(Type.Object({
      tick_at: Timestamp('The tick.'),
      outcome: StringEnum(['refreshed', 'reused', 'skipped_running']),
      missed: Type.Integer({ description: 'Earlier ticks of a downtime folded into this one.' }),
      job_id: Nullable(Uuid()),
      late_ms: Type.Integer({ description: 'How late the scheduler acted on it.' }),
      recorded_at: Timestamp('When it was acted on.'),
    }, { additionalProperties: false })),
    created_at: Timestamp('Creation time.'),
    updated_at: Timestamp('Last change.'),
  },
  { additionalProperties: false },
);

export const RecalculateBody = Type.Object(
  { snapshot_id: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Default: the latest.' })) },
  { additionalProperties: false },
);

/** Narrative's RecalculationResponse, plus the job that computes it. */
export const RecalculationResponse = Type.Object(
  {
    recalculation_id: Uuid(),
    snapshots: Type.Array(Text()),
    from_snapshot_timestamp: Timestamp('The first snapshot\'s commit time.'),
    until_snapshot_timestamp: Timestamp('The last snapshot\'s commit time.'),
    job_id: Uuid('The datasets_calculate_column_stats job; the statistics are readable once it completed.'),
  },
  { additionalProperties: false },
);
