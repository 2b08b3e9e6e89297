-- History retention (src/store/retention.ts): finished jobs are found oldest first by ended_at, and a job that
-- wrote a snapshot is kept as that snapshot's lineage, so snapshots need an index by job.
CREATE INDEX jobs_finished ON jobs (ended_at) WHERE state IN ('completed', 'cancelled', 'failed');
CREATE INDEX dataset_snapshots_job ON dataset_snapshots (job_id) WHERE job_id IS NOT NULL;
