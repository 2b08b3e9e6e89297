import { Type } from 'typebox';
import { MAX_PREVIEW_ROWS } from '../../core/job-types.js';
import { RowsResult } from './job-inputs.js';
import { JsonObject, Nullable, NullableTimestamp, PageQuery, StringEnum, Timestamp, Uuid, Text } from './common.js';

export const DatasetSchemaDoc = JsonObject({
  description: 'Narrative dataset schema: {type: "object", properties: {<name>: {type: string|long|double|boolean|' +
    'timestamptz|date|object|array, properties?, items?, display_name?}}}',
});

export const Dataset = Type.Object(
  {
    id: Type.Integer(),
    company_id: Type.Integer(),
    data_plane_id: Uuid(),
    name: Text(),
    display_name: Text(),
    description: Nullable(Text()),
    schema: DatasetSchemaDoc,
    status: StringEnum(['active', 'pending']),
    write_mode: StringEnum(['append', 'overwrite']),
    tags: Type.Array(Text()),
    retention_policy: Type.Object({}, { additionalProperties: true }),
    materialized_view_config: Nullable(Type.Object({ nql: Text() }, { additionalProperties: true })),
    is_narrative_managed: Type.Boolean(),
    price_cpm_usd: Type.Number(),
    latest_snapshot_id: Nullable(Type.Integer()),
    created_at: Timestamp('Creation time.'),
    updated_at: Timestamp('Last change.'),
    last_snapshot_created_at: NullableTimestamp('When the latest snapshot was committed.'),
  },
  { $id: 'Dataset', additionalProperties: false },
);

export const DATASET_NAME = '^[A-Za-z0-9_]{1,256}$';

export const CreateDatasetBody = Type.Object(
  {
    name: Text({ pattern: DATASET_NAME, description: 'A slug: letters, digits, underscore; unique in the company.' }),
    display_name: Type.Optional(Text({ minLength: 1, maxLength: 256 })),
    description: Type.Optional(Text({ maxLength: 10_000 })),
    schema: DatasetSchemaDoc,
    write_mode: Type.Optional(StringEnum(['append', 'overwrite'], { default: 'append' })),
    data_plane_id: Type.Optional(Uuid()),
  },
  { additionalProperties: false },
);

export const DatasetParams = Type.Object(
  { dataset_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
  { additionalProperties: false },
);
export const SnapshotParams = Type.Object(
  {
    dataset_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    snapshot_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  },
  { additionalProperties: false },
);

export const SnapshotFile = Type.Object(
  {
    path: Text({
      minLength: 1, maxLength: 1024,
      // DuckDB plane: datasets/<id>/snapshots/<snapshot_id>/<file>, relative to its storage root. Spark plane:
      // datasets/ds_<id>/<path inside the Iceberg table's location> (data/..., partition directories allowed).
      pattern: '^datasets/([0-9]+/snapshots/[0-9]+/[A-Za-z0-9_.=-]+|ds_[0-9]+/data/([A-Za-z0-9_=-][A-Za-z0-9_.=-]*/)*[A-Za-z0-9_.=-]+)$',
      description: 'Relative to the plane\'s storage: datasets/<id>/snapshots/<snapshot_id>/<file> (duckdb), datasets/ds_<id>/data/<file> (spark, inside the Iceberg table).',
    }),
    rows: Type.Integer({ minimum: 0 }),
    bytes: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const Snapshot = Type.Object(
  {
    snapshot_id: Type.Integer({ description: 'Below 2^53.' }),
    dataset_id: Type.Integer(),
    parent_snapshot_id: Nullable(Type.Integer()),
    operation: StringEnum(['append', 'overwrite']),
    files: Type.Array(SnapshotFile),
    row_count: Type.Integer(),
    bytes: Type.Integer(),
    job_id: Nullable(Uuid()),
    inputs: Type.Array(Type.Object({ dataset_id: Type.Integer(), snapshot_id: Nullable(Type.Integer()) })),
    created_at: Timestamp('Commit time.'),
  },
  { additionalProperties: false },
);

export const ListQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

export const Page = (item: ReturnType<typeof Type.Ref> | typeof Snapshot) => Type.Object(
  { current_page: Type.Integer(), total_records: Type.Integer(), total_pages: Type.Integer(), records: Type.Array(item) },
  { additionalProperties: false },
);

export const ColumnStats = Type.Object(
  {
    recalculation_id: Uuid(),
    dataset_id: Type.Integer(),
    snapshot_id: Type.Integer(),
    stats: Type.Object({}, { additionalProperties: true, description: '{row_count, columns: [{column, null_count, approx_distinct_count, min, max}]}' }),
    created_at: Timestamp('When the statistics were computed.'),
  },
  { additionalProperties: false },
);

/** What an operator sends with `complete` for a materialize-view: the new snapshot, committed with the job. */
export const SnapshotManifest = Type.Object(
  {
    snapshot_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    dataset_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    parent_snapshot_id: Nullable(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    operation: StringEnum(['append', 'overwrite']),
    files: Type.Array(SnapshotFile, { maxItems: 100_000 }),
    row_count: Type.Integer({ minimum: 0 }),
    bytes: Type.Integer({ minimum: 0 }),
    inputs: Type.Array(Type.Object({ dataset_id: Type.Integer(), snapshot_id: Nullable(Type.Integer()) }, { additionalProperties: false }), { maxItems: 1000 }),
    column_stats: Type.Optional(Type.Object(
      { recalculation_id: Uuid(), stats: JsonObject() },
      { additionalProperties: false },
    )),
  },
  { additionalProperties: false },
);

const ImportFormat = StringEnum(['csv', 'jsonl', 'parquet'], {
  description: 'The files\' format; default: the Content-Type of a raw body, or each multipart filename\'s extension.',
});

export const ImportQuery = Type.Object({ format: Type.Optional(ImportFormat) }, { additionalProperties: false });

export const ImportCreateQuery = Type.Object(
  {
    name: Text({ pattern: DATASET_NAME, description: 'The new dataset\'s name: letters, digits, underscore; unique in the company.' }),
    format: Type.Optional(ImportFormat),
    display_name: Type.Optional(Text({ minLength: 1, maxLength: 256 })),
    description: Type.Optional(Text({ maxLength: 10_000 })),
    write_mode: Type.Optional(StringEnum(['append', 'overwrite'], { description: 'How later imports and views write it (default append).' })),
  },
  { additionalProperties: false },
);

export const RowsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PREVIEW_ROWS, default: 100 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 })),
  },
  { additionalProperties: false },
);

/** A page of a snapshot's rows, as its data plane read them (RowsResult of the datasets_sample job). */
export const RowsPage = Type.Object(
  {
    dataset_id: Type.Integer(),
    snapshot_id: Type.Integer(),
    job_id: Uuid('The datasets_sample job that read them.'),
    ...RowsResult.properties,
  },
  { additionalProperties: false },
);
