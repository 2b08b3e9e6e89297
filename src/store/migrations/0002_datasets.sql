-- Datasets and their snapshots. A snapshot is a set of Parquet files under the data plane's storage root; the
-- control plane keeps only the manifest. Dataset ids are integers; automatic ids start at 10000 so that
-- well-known ids (the sample dataset 6402) never collide with them.

CREATE TABLE datasets (
  id                        bigserial PRIMARY KEY,
  company_id                bigint NOT NULL REFERENCES companies (id),
  data_plane_id             uuid NOT NULL REFERENCES data_planes (id),
  name                      text NOT NULL,
  display_name              text NOT NULL,
  description               text,
  -- json, not jsonb: jsonb reorders keys, and the order of a schema's attributes is the column order.
  schema                    json NOT NULL,
  status                    text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'pending')),
  write_mode                text NOT NULL DEFAULT 'append' CHECK (write_mode IN ('append', 'overwrite')),
  tags                      jsonb NOT NULL DEFAULT '[]',
  retention_policy          jsonb NOT NULL DEFAULT '{"type": "retain_everything"}',
  materialized_view_config  jsonb,
  -- What other companies would pay per 1,000 rows (`_price_cpm_usd`); a company's own data is free.
  price_cpm_usd             double precision NOT NULL DEFAULT 0 CHECK (price_cpm_usd >= 0),
  latest_snapshot_id        bigint,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  last_snapshot_created_at  timestamptz,
  UNIQUE (company_id, name)
);
ALTER SEQUENCE datasets_id_seq RESTART WITH 10000;
CREATE INDEX datasets_list ON datasets (company_id, created_at DESC);

CREATE TABLE dataset_snapshots (
  -- Drawn at random below 2^53 by whoever writes the files, so JSON clients never round it.
  snapshot_id         bigint PRIMARY KEY CHECK (snapshot_id > 0 AND snapshot_id < 9007199254740992),
  dataset_id          bigint NOT NULL REFERENCES datasets (id),
  parent_snapshot_id  bigint REFERENCES dataset_snapshots (snapshot_id),
  operation           text NOT NULL CHECK (operation IN ('append', 'overwrite')),
  -- [{path (relative to the storage root), rows, bytes}], the complete file list of this snapshot.
  files               jsonb NOT NULL,
  row_count           bigint NOT NULL CHECK (row_count >= 0),
  bytes               bigint NOT NULL CHECK (bytes >= 0),
  -- The job that wrote it (null for imports and the sample data); lineage: the input snapshots it read.
  job_id              uuid REFERENCES jobs (job_id),
  inputs              jsonb NOT NULL DEFAULT '[]',
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dataset_snapshots_dataset ON dataset_snapshots (dataset_id, created_at DESC);

ALTER TABLE datasets ADD FOREIGN KEY (latest_snapshot_id) REFERENCES dataset_snapshots (snapshot_id);

CREATE TABLE column_stats (
  recalculation_id  uuid PRIMARY KEY,
  dataset_id        bigint NOT NULL REFERENCES datasets (id),
  snapshot_id       bigint NOT NULL REFERENCES dataset_snapshots (snapshot_id),
  -- {row_count, columns: [{column, null_count, approx_distinct_count, min, max}]}
  stats             jsonb NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX column_stats_snapshot ON column_stats (snapshot_id);
