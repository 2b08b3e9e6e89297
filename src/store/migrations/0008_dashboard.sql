-- The dashboard's statistics (src/store/job-stats.ts) and the jobs list's counts.
--
-- Jobs by type and state: GET /jobs/stats groups the company's jobs by (type, state), and GET /jobs counts the rows
-- of a filtered list. With this index both are index-only scans of a narrow index instead of a pass over the wide
-- rows of `jobs` (input, result, failures): at 100,000 jobs, a type+state count reads 5,000 index entries instead of
-- the heap (bench/results/ui.md). `state` is indexed already (jobs_list_state), so transitions were not HOT updates
-- before either; the cost is one more index entry per insert and state change.
CREATE INDEX jobs_type_state ON jobs (company_id, type, state);

-- Transitions per minute (GET /jobs/stats/throughput) read the events of the last minutes to hours: by time, not by
-- job. Events are appended with clock_timestamp(), so new entries land at the right edge of the index.
CREATE INDEX job_events_at ON job_events (at);
