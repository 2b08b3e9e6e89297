import { Type } from 'typebox';
import { Nullable, NullableTimestamp, StringEnum, Timestamp, Uuid, Text } from './common.js';
import { ENGINES } from '../../core/engines.js';
import { ExecutionCluster, Failure, JobInputs, JobStateSchema, JobTypeSchema, RequestSource } from './jobs.js';

export const NqlBody = Type.Object(
  {
    nql: Text({ minLength: 1, maxLength: 1_000_000, description: 'One NQL statement.' }),
    data_plane_id: Type.Optional(Uuid('Default: the data plane of the datasets the statement reads (the company\'s default plane when it reads none).')),
  },
  { additionalProperties: false },
);

export const NqlRunBody = Type.Object(
  {
    ...NqlBody.properties,
    execution_cluster: Type.Optional(ExecutionCluster),
    idempotency_key: Type.Optional(Text({ minLength: 1, maxLength: 255 })),
  },
  { additionalProperties: false },
);

/** Narrative's RunResponse: the job as the /nql endpoints return it (`id`, `company_id`, `completed_at`). */
export const RunResponse = Type.Object(
  {
    id: Uuid('The job id.'),
    company_id: Type.Integer(),
    type: JobTypeSchema,
    state: JobStateSchema,
    data_plane_id: Uuid(),
    execution_cluster: ExecutionCluster,
    request_source: RequestSource,
    input: Type.Object({}, { additionalProperties: true }),
    inputs: JobInputs('The datasets the job reads.'),
    result: Nullable(Type.Object({}, { additionalProperties: true })),
    failures: Type.Array(Failure),
    idempotency_key: Text(),
    created_at: Timestamp('Creation time.'),
    updated_at: Timestamp('Last change.'),
    completed_at: NullableTimestamp('When the job finished.'),
  },
  { additionalProperties: false },
);

export const NqlJobParams = Type.Object({ job_id: Uuid() }, { additionalProperties: false });

export const NqlCompileBody = Type.Object(
  {
    ...NqlBody.properties,
    dialect: Type.Optional(StringEnum(ENGINES, { description: 'Default: the data plane\'s engine.' })),
  },
  { additionalProperties: false },
);

export const NqlCompileResponse = Type.Object(
  {
    kind: StringEnum(['select', 'explain', 'create_materialized_view']),
    dialect: StringEnum(ENGINES),
    data_plane_id: Uuid('The data plane the statement would run on.'),
    compiled_sql: Text(),
    output_schema: Type.Object({}, { additionalProperties: true, description: 'The result\'s schema (Narrative dataset shape).' }),
    dataset_ids: Type.Array(Type.Integer(), { description: 'The datasets the statement reads.' }),
  },
  { additionalProperties: false },
);
