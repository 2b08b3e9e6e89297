-- Events out (docs/events.md): job_events is the outbox of a replayable feed (GET /events) and of webhook deliveries.

-- Each event keeps the job as it was when the event was written (`job`: the jobs row as jsonb), and the job's
-- company for the company-scoped feed. A BEFORE INSERT trigger fills both, so the one INSERT INTO job_events of the
-- transition builder needs no change: the trigger reads the jobs row the same statement just wrote. The snapshot
-- leaves out what never changes after create (the reader lays the snapshot over the current row, which has them;
-- `input` alone can be megabytes) and the heartbeat `progress` (not part of a job's shape): about 350 bytes an
-- event instead of 700. A column added later is in the snapshot unless it is added to this list.
ALTER TABLE job_events ADD COLUMN company_id bigint;
ALTER TABLE job_events ADD COLUMN job jsonb;
-- The feed position, in commit order: NULL until the sequencer (src/store/events.ts) stamps the event after its
-- transaction committed. `id` cannot be the cursor: it is drawn before commit, so ids become visible out of order.
ALTER TABLE job_events ADD COLUMN seq bigint;

-- Events written before this migration: their company, and a partial snapshot of what the event itself records
-- (the reader fills the other fields from the current job). They are sequenced in id order, which is their commit
-- order per job.
UPDATE job_events e SET company_id = j.company_id,
       job = jsonb_build_object('state', e.to_state, 'attempt', e.attempt, 'executor', e.executor,
                                'updated_at', e.at)
  FROM jobs j WHERE j.job_id = e.job_id;
ALTER TABLE job_events ALTER COLUMN company_id SET NOT NULL;

CREATE FUNCTION job_events_snapshot() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT j.company_id,
         to_jsonb(j) - '{input,progress,job_id,company_id,data_plane_id,compute_pool_id,execution_cluster,request_source,type,dataset_id,idempotency_key,created_at}'::text[]
    INTO NEW.company_id, NEW.job
    FROM jobs j WHERE j.job_id = NEW.job_id;
  RETURN NEW;
END
$$;
CREATE TRIGGER job_events_snapshot BEFORE INSERT ON job_events
  FOR EACH ROW EXECUTE FUNCTION job_events_snapshot();

-- The sequencer's state: the last position handed out. Its row is also the sequencer's lock (FOR UPDATE SKIP
-- LOCKED): one API server at a time stamps, and each stamping transaction commits before the next one starts.
CREATE TABLE event_sequencer (
  id        integer PRIMARY KEY CHECK (id = 1),
  last_seq  bigint NOT NULL
);
INSERT INTO event_sequencer (id, last_seq) VALUES (1, 0);

-- Events still to be stamped (small: the sequencer keeps up within one poll interval).
CREATE INDEX job_events_unsequenced ON job_events (id) WHERE seq IS NULL;
-- The feed: all events by position (webhook fan-out, operator scope) and one company's events by position.
CREATE UNIQUE INDEX job_events_seq ON job_events (seq) WHERE seq IS NOT NULL;
CREATE INDEX job_events_company_seq ON job_events (company_id, seq) WHERE seq IS NOT NULL;

CREATE TABLE webhook_subscriptions (
  id               uuid PRIMARY KEY,
  company_id       bigint NOT NULL REFERENCES companies (id),
  type             text NOT NULL CHECK (type = 'webhook_subscription_jobs'),
  name             text,
  url              text NOT NULL,
  -- `whsec_<base64>`: the HMAC key of the signatures. Shown once at create; kept here because signing needs it.
  secret           text NOT NULL,
  -- Filters; NULL = every job / type / state.
  job_ids          uuid[],
  job_types        text[],
  states           text[],
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'archived')),
  disabled_reason  text,
  -- The first failed attempt since the last successful one (NULL while deliveries succeed): the disable clock.
  failing_since    timestamptz,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_subscriptions_company ON webhook_subscriptions (company_id, created_at DESC);
CREATE INDEX webhook_subscriptions_active ON webhook_subscriptions (company_id) WHERE status = 'active';

-- The outbox of webhook deliveries: one row per (subscription, event), written by the sequencer in the transaction
-- that stamps the event. Per job and subscription, one delivery at a time is open for sending (`pending` or
-- `delivering`); the later ones are `waiting` until it ends (succeeded, failed = given up, or cancelled).
CREATE TABLE webhook_deliveries (
  id                 uuid PRIMARY KEY,
  subscription_id    uuid NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
  event_id           bigint NOT NULL REFERENCES job_events (id) ON DELETE CASCADE,
  event_seq          bigint NOT NULL,
  job_id             uuid NOT NULL,
  status             text NOT NULL
                     CHECK (status IN ('waiting', 'pending', 'delivering', 'succeeded', 'failed', 'cancelled')),
  attempts           integer NOT NULL DEFAULT 0,
  -- pending: when the next attempt is due (NULL = as soon as possible). delivering: until when the sending
  -- server holds it.
  next_attempt_at    timestamptz,
  lease_expires_at   timestamptz,
  -- The first attempt; retries stop once the retry window has passed since then.
  window_started_at  timestamptz,
  last_attempt_at    timestamptz,
  delivered_at       timestamptz,
  response_status    integer,
  -- A short prefix of the receiver's answer, never more (src/server/webhooks/http-sender.ts).
  response_body      text,
  latency_ms         integer,
  last_error         text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at NULLS FIRST) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (lease_expires_at) WHERE status = 'delivering';
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (subscription_id, job_id, event_seq)
  WHERE status IN ('waiting', 'pending', 'delivering');
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (subscription_id, event_seq DESC);
-- Deleting a job's events (retention) finds their deliveries.
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
