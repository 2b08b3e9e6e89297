-- The job snapshot of an event (job_events.job, job_events.company_id) is written by the statement that writes the
-- jobs row: it returns the snapshot (EVENT_JOB_SNAPSHOT, src/store/job-transition-sql.ts) and its INSERT INTO
-- job_events takes it from there. The BEFORE INSERT trigger of 0006 read the jobs row again for every event, a
-- plpgsql call and an index lookup per row: 7% of PostgreSQL's CPU on the executor path (bench/results/queue.md).
-- The snapshot is the same: the written row less the same fields.
DROP TRIGGER job_events_snapshot ON job_events;
DROP FUNCTION job_events_snapshot();
