import { Type, type TSchema } from 'typebox';
import { MAX_PREVIEW_ROWS, type BuiltinJobType } from '../../core/job-types.js';
import { REFRESH_TYPES } from '../../core/view-refresh.js';
import { JsonObject, Nullable, StringEnum, Text } from './common.js';

/**
 * The input and result schemas of each built-in job type (src/core/job-types.ts), one entry per type: the compiler
 * refuses a type without its schemas. `POST /jobs` validates `input` against these; the OpenAPI document shows them.
 */

const NqlText = Text({ minLength: 1, maxLength: 1_000_000 });
const CompiledSql = Text({ minLength: 1, maxLength: 1_000_000, description: 'The SQL of the data plane\'s engine, run exactly as given.' });
const DatasetId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const SnapshotId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const Limit = Type.Integer({ minimum: 1, maximum: MAX_PREVIEW_ROWS });

/** How a refresh of a view reads its inputs: all of them, or only what was appended since the snapshots it names. */
const RefreshSpec = Type.Object(
  {
    type: StringEnum(REFRESH_TYPES),
    since: Type.Optional(Type.Array(Type.Object({ dataset_id: DatasetId, snapshot_id: SnapshotId }, { additionalProperties: false }), { maxItems: 100 })),
    reason: Type.Optional(Text({ maxLength: 1000, description: 'Why a refresh asked to be incremental runs in full.' })),
  },
  { additionalProperties: false },
);

export const MaterializeViewInput = Type.Object(
  {
    nql: NqlText, dataset_id: DatasetId, stats_enabled: Type.Boolean(), compiled_sql: CompiledSql,
    refresh: Type.Optional(RefreshSpec),
  },
  { additionalProperties: false, $id: 'MaterializeViewInput' },
);
export const NqlForecastInput = Type.Object(
  { nql: NqlText, compiled_sql: CompiledSql },
  { additionalProperties: false, $id: 'NqlForecastInput' },
);
export const DatasetsSampleInput = Type.Object(
  {
    dataset_id: DatasetId, snapshot_id: SnapshotId, limit: Limit,
    offset: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  },
  { additionalProperties: false, $id: 'DatasetsSampleInput' },
);
export const NqlPreviewInput = Type.Object(
  { nql: NqlText, compiled_sql: CompiledSql, limit: Limit },
  { additionalProperties: false, $id: 'NqlPreviewInput' },
);

export const ColumnStatsInput = Type.Object(
  { dataset_id: DatasetId, snapshot_id: SnapshotId, recalculation_id: Text({ format: 'uuid' }) },
  { additionalProperties: false, $id: 'ColumnStatsInput' },
);

export const MaterializeViewResult = Type.Object(
  {
    dataset_id: Type.Integer(),
    snapshot_id: Type.Integer({ description: 'Below 2^53, so JSON clients never round it.' }),
    recalculation_id: Nullable(Text({ format: 'uuid' })),
  },
  { additionalProperties: true },
);
export const ForecastResult = Type.Object(
  {
    rows: Type.Integer(),
    cost: Type.Integer({ description: 'micro-cents USD' }),
    nql_type: Type.Literal('forecast'),
    type: Type.Literal('success'),
  },
  { additionalProperties: true },
);
/** Rows read by a plane: nested attributes as objects, int64 as numbers when exact (else strings), times ISO 8601. */
export const RowsResult = Type.Object(
  {
    columns: Type.Array(Type.Object({ name: Text(), type: Text() }, { additionalProperties: false })),
    rows: Type.Array(JsonObject()),
    row_count: Type.Integer({ minimum: 0 }),
    offset: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1 })),
    total_rows: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: true },
);

export const JOB_TYPE_SCHEMAS = {
  'materialize-view': { input: MaterializeViewInput, result: MaterializeViewResult },
  'nql-forecast': { input: NqlForecastInput, result: ForecastResult },
  datasets_sample: { input: DatasetsSampleInput, result: RowsResult },
  'nql-preview': { input: NqlPreviewInput, result: RowsResult },
  datasets_calculate_column_stats: {
    input: ColumnStatsInput,
    result: Type.Object({ recalculation_id: Text({ format: 'uuid' }), snapshot_id: Type.Integer() }, { additionalProperties: true }),
  },
} as const satisfies Record<BuiltinJobType, { input: TSchema; result: TSchema }>;

/** Registered once with the app, so `$ref`s and the OpenAPI document name them. */
export const JOB_INPUT_SCHEMAS = Object.values(JOB_TYPE_SCHEMAS).map((s) => s.input);
