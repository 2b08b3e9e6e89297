-- The transition builder (src/store/job-transition-sql.ts) and the one-statement claim.

-- What a job reads: the datasets its query names, as the NQL analyzer resolved them at create time
-- ([{dataset_id, snapshot_id: null}]), and, once its plane reports it, the snapshot each was bound to
-- (lineage). Operators bind their relations from this list, never by scanning the SQL text.
ALTER TABLE jobs ADD COLUMN inputs jsonb NOT NULL DEFAULT '[]';

-- A compute pool's concurrency as rows: one per slot, holding the job that occupies it. A claim takes free slots
-- with FOR UPDATE SKIP LOCKED, so concurrent claimers of one pool lock different rows instead of queueing on the
-- pool's row, and the limit holds exactly: a slot is taken by one job at a time. Every transition that takes a
-- pool job out of running/pending_cancellation frees its slot in the same statement.
CREATE TABLE compute_pool_slots (
  pool_id  uuid NOT NULL REFERENCES compute_pools (id) ON DELETE CASCADE,
  slot     integer NOT NULL,
  job_id   uuid REFERENCES jobs (job_id) ON DELETE SET NULL,
  PRIMARY KEY (pool_id, slot)
);
CREATE UNIQUE INDEX compute_pool_slots_job ON compute_pool_slots (job_id) WHERE job_id IS NOT NULL;
INSERT INTO compute_pool_slots (pool_id, slot)
  SELECT p.id, s FROM compute_pools p, generate_series(1, p.max_concurrency) s;
-- Slots of pool jobs that run now (created before slots existed).
UPDATE compute_pool_slots s SET job_id = r.job_id
  FROM (SELECT job_id, compute_pool_id, row_number() OVER (PARTITION BY compute_pool_id ORDER BY dequeued_at, job_id) AS n
          FROM jobs WHERE compute_pool_id IS NOT NULL AND state IN ('running', 'pending_cancellation')) r
 WHERE s.pool_id = r.compute_pool_id AND s.slot = r.n;

-- Bumped by every claim of the executor. The claim statement locks the executor's row by this UPDATE and compares
-- the value it wrote with the one its snapshot saw: equal (+1) means no other claim of this executor committed in
-- between, so the executor's load counted in the same statement is current (see src/store/job-claims.ts).
ALTER TABLE executors ADD COLUMN claim_seq bigint NOT NULL DEFAULT 0;

-- The claim orders by (priority DESC, created_at, job_id): with job_id in the index it reads the index in order and
-- stops after `limit` rows instead of sorting every claimable job of the plane.
DROP INDEX jobs_claimable;
CREATE INDEX jobs_claimable ON jobs (data_plane_id, priority DESC, created_at, job_id)
  WHERE state = 'pending' OR (state = 'failed' AND retry_at IS NOT NULL);

-- Engines are a registry in src/core/engines.ts; the API validates a plane's engine against it, so adding an engine
-- is a code change only, not a migration.
ALTER TABLE data_planes DROP CONSTRAINT IF EXISTS data_planes_engine_check;
