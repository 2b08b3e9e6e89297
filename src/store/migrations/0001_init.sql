-- jobplane initial schema. Runs on PostgreSQL >= 15 and on PGlite (PostgreSQL 18); avoid version-specific SQL.
-- Timestamps are timestamptz with microsecond precision; the API renders them as ISO 8601 UTC.

CREATE TABLE companies (
  id            bigserial PRIMARY KEY,
  name          text NOT NULL,
  slug          text NOT NULL UNIQUE,
  default_data_plane_id uuid,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id            bigserial PRIMARY KEY,
  company_id    bigint NOT NULL REFERENCES companies (id),
  name          text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE data_planes (
  id                uuid PRIMARY KEY,
  company_id        bigint NOT NULL REFERENCES companies (id),
  display_name      text NOT NULL,
  description       text,
  engine            text NOT NULL DEFAULT 'duckdb' CHECK (engine IN ('duckdb', 'spark')),
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
  tags              jsonb NOT NULL DEFAULT '[]',
  last_heartbeat_at timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_planes_company ON data_planes (company_id, created_at);

ALTER TABLE companies ADD FOREIGN KEY (default_data_plane_id) REFERENCES data_planes (id);

CREATE TABLE compute_pools (
  id               uuid PRIMARY KEY,
  data_plane_id    uuid NOT NULL REFERENCES data_planes (id),
  name             text NOT NULL,
  max_concurrency  integer NOT NULL CHECK (max_concurrency > 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (data_plane_id, name)
);

CREATE TABLE access_tokens (
  id             uuid PRIMARY KEY,
  company_id     bigint NOT NULL REFERENCES companies (id),
  user_id        bigint REFERENCES users (id),
  name           text NOT NULL,
  -- SHA-256 of the whole token, hex. The token itself is shown once and never stored.
  token_hash     text NOT NULL UNIQUE,
  permissions    jsonb NOT NULL,
  -- An operator token is bound to one data plane: it may drive that plane's jobs whatever their company.
  data_plane_id  uuid REFERENCES data_planes (id),
  expires_at     timestamptz,
  revoked_at     timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_tokens_company ON access_tokens (company_id, created_at);

CREATE TABLE executors (
  id                text PRIMARY KEY,
  data_plane_id     uuid NOT NULL REFERENCES data_planes (id),
  compute_pool_id   uuid REFERENCES compute_pools (id),
  name              text,
  types             text[] NOT NULL DEFAULT '{}',
  slots             integer NOT NULL DEFAULT 1 CHECK (slots > 0),
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'draining')),
  last_heartbeat_at timestamptz NOT NULL DEFAULT now(),
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX executors_plane ON executors (data_plane_id);

CREATE TABLE jobs (
  job_id             uuid PRIMARY KEY,
  company_id         bigint NOT NULL REFERENCES companies (id),
  data_plane_id      uuid NOT NULL REFERENCES data_planes (id),
  compute_pool_id    uuid REFERENCES compute_pools (id),
  execution_cluster  text NOT NULL DEFAULT 'shared' CHECK (execution_cluster IN ('dedicated', 'shared')),
  request_source     jsonb NOT NULL,
  state              text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'running', 'completed', 'failed', 'pending_cancellation', 'cancelled')),
  type               text NOT NULL,
  input              jsonb NOT NULL,
  -- Copied from input.dataset_id at insert so that the list filter can use an index.
  dataset_id         bigint,
  executor           text,
  failures           jsonb NOT NULL DEFAULT '[]',
  idempotency_key    text NOT NULL,
  result             jsonb,
  -- The latest progress an executor reported with its heartbeat (free-form, for humans and dashboards).
  progress           jsonb,
  priority           integer NOT NULL DEFAULT 0,
  attempt            integer NOT NULL DEFAULT 0,
  max_attempts       integer NOT NULL DEFAULT 3 CHECK (max_attempts > 0),
  lease_expires_at   timestamptz,
  retry_at           timestamptz,
  cancel_requested_at timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  dequeued_at        timestamptz,
  ended_at           timestamptz,
  UNIQUE (company_id, idempotency_key),
  -- ended_at is set exactly in the finished states.
  CONSTRAINT jobs_ended_at_iff_finished CHECK ((state IN ('completed', 'failed', 'cancelled')) = (ended_at IS NOT NULL)),
  -- A leased state always names its executor and lease.
  CONSTRAINT jobs_lease_iff_running CHECK (
    (state = 'running') <= (executor IS NOT NULL AND lease_expires_at IS NOT NULL)),
  CONSTRAINT jobs_result_only_completed CHECK (result IS NULL OR state = 'completed')
);
CREATE INDEX jobs_list ON jobs (company_id, created_at DESC);
CREATE INDEX jobs_list_state ON jobs (company_id, state, created_at DESC);
CREATE INDEX jobs_list_type ON jobs (company_id, type, created_at DESC);
CREATE INDEX jobs_list_dataset ON jobs (company_id, dataset_id) WHERE dataset_id IS NOT NULL;
CREATE INDEX jobs_list_plane ON jobs (data_plane_id, created_at DESC);
-- The claim: per plane, highest priority first, oldest first, only claimable rows. Failed jobs leave the index
-- once they have no retry scheduled, so finished history never slows the claim down.
CREATE INDEX jobs_claimable ON jobs (data_plane_id, priority DESC, created_at)
  WHERE state = 'pending' OR (state = 'failed' AND retry_at IS NOT NULL);
CREATE INDEX jobs_pool_load ON jobs (compute_pool_id) WHERE compute_pool_id IS NOT NULL AND state IN ('running', 'pending_cancellation');
-- Maintenance scans for expired leases.
CREATE INDEX jobs_leased ON jobs (lease_expires_at) WHERE state IN ('running', 'pending_cancellation');
CREATE INDEX jobs_executor ON jobs (executor) WHERE executor IS NOT NULL AND state IN ('running', 'pending_cancellation');

CREATE TABLE job_events (
  id          bigserial PRIMARY KEY,
  job_id      uuid NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
  action      text NOT NULL,
  from_state  text,
  to_state    text NOT NULL,
  attempt     integer NOT NULL,
  executor    text,
  actor       jsonb NOT NULL,
  at          timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX job_events_job ON job_events (job_id, id);
