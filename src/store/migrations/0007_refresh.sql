-- Materialized views that stay fresh: refresh schedules, their ticks, and the view's lineage (docs/views.md).

-- One schedule per view. `next_run_at` is the next tick the scheduler acts on (null unless active): the
-- scheduler of any API server takes due rows with FOR UPDATE SKIP LOCKED, records the tick, creates the refresh,
-- and moves next_run_at past now, all in one transaction.
CREATE TABLE refresh_schedules (
  dataset_id         bigint PRIMARY KEY REFERENCES datasets (id) ON DELETE CASCADE,
  company_id         bigint NOT NULL REFERENCES companies (id),
  cron               text NOT NULL,
  cron_zone_id       text NOT NULL DEFAULT 'UTC',
  execution_cluster  text NOT NULL DEFAULT 'shared' CHECK (execution_cluster IN ('dedicated', 'shared')),
  stats_enabled      boolean,
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'pending', 'archived')),
  next_run_at        timestamptz,
  last_tick_at       timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT refresh_schedules_next_iff_active CHECK ((status = 'active') = (next_run_at IS NOT NULL))
);
CREATE INDEX refresh_schedules_due ON refresh_schedules (next_run_at) WHERE status = 'active';

-- Every tick a schedule acted on, exactly once: the primary key (schedule, tick) is what makes a tick run once
-- however many schedulers look at it. `missed` counts the earlier ticks of a downtime folded into this one.
CREATE TABLE refresh_ticks (
  dataset_id   bigint NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  tick_at      timestamptz NOT NULL,
  outcome      text NOT NULL CHECK (outcome IN ('refreshed', 'reused', 'skipped_running')),
  missed       integer NOT NULL DEFAULT 0 CHECK (missed >= 0),
  job_id       uuid REFERENCES jobs (job_id) ON DELETE SET NULL,
  -- How late the scheduler acted on the tick, in milliseconds (the bench's "late ticks").
  late_ms      integer NOT NULL DEFAULT 0,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dataset_id, tick_at)
);
-- Retention deletes finished jobs; ON DELETE SET NULL looks up the ticks naming each one, by this index rather
-- than by a scan of every tick ever recorded.
CREATE INDEX refresh_ticks_job ON refresh_ticks (job_id) WHERE job_id IS NOT NULL;

-- A view's refreshes, found fast: at most one in flight per view (pending, running, asked to cancel, or failed
-- with a retry coming).
CREATE INDEX jobs_view_refresh ON jobs (dataset_id, created_at DESC) WHERE type = 'materialize-view';
