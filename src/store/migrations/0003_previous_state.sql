-- The state a job was in before its last write. A transition sets it to the old state in the same UPDATE
-- (`SET previous_state = j.state`: SET expressions see the row before the update), so the single conditional UPDATE
-- can RETURN the state it left for the job_events row, without a FOR UPDATE read in front of it.

ALTER TABLE jobs ADD COLUMN previous_state text;
