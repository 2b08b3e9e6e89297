-- The dashboard's counts for every filter of the jobs list (GET /jobs `total_records`, GET /jobs/stats).
--
-- The list counts the jobs that match its filters (state, type, data plane, creation time) on every page load,
-- filter change and live refresh, and GET /jobs/stats groups them by type and state. No index held a job's data
-- plane, nor its type, state and creation time together: a count or the statistics by plane, or a count by type and
-- state within a time range, read the table's wide rows (input, result, failures), a sequential or bitmap heap scan
-- of every matching job, 100 to 150 ms each at 100,000 jobs (bench/results/ui.md). With these two indexes, every
-- such count is an index-only scan of the company's entries:
--
-- - jobs_stats (company_id, type, state, data_plane_id), for the filters without a time range and the statistics'
--   GROUP BY. It has no time column, so its entries deduplicate (a tenth of jobs_counts' size). It replaces
--   jobs_type_state (0008), its prefix.
-- - jobs_counts (company_id, type, created_at, state, data_plane_id), for those with one. It replaces jobs_list_type
--   (company_id, type, created_at DESC), its prefix: a list filtered by type is still read newest first from it
--   (backward), and state and plane are now checked in the index before any row is read.
--
-- So the table keeps as many indexes to update on insert and state change as before.
--
-- IF [NOT] EXISTS: a large installation can build them beforehand with CREATE INDEX CONCURRENTLY, which does not
-- block job writes as these statements do while they run (docs/operations.md, "Upgrading").
CREATE INDEX IF NOT EXISTS jobs_stats ON jobs (company_id, type, state, data_plane_id);
CREATE INDEX IF NOT EXISTS jobs_counts ON jobs (company_id, type, created_at, state, data_plane_id);
DROP INDEX IF EXISTS jobs_type_state;
DROP INDEX IF EXISTS jobs_list_type;
