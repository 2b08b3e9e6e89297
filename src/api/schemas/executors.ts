import { Type } from 'typebox';
import { Nullable, StringEnum, Timestamp, Uuid, Text } from './common.js';
import { JobTypeSchema } from './jobs.js';

export const Executor = Type.Object(
  {
    id: Text({ description: 'job-executor-<uuid>' }),
    data_plane_id: Uuid(),
    compute_pool_id: Nullable(Uuid()),
    name: Nullable(Text()),
    types: Type.Array(Text(), { description: 'Job types it runs; empty = any.' }),
    slots: Type.Integer({ description: 'Shared jobs it runs at once.' }),
    status: StringEnum(['active', 'draining'], { description: 'draining: claims nothing more.' }),
    running_jobs: Type.Integer(),
    last_heartbeat_at: Timestamp('Last heartbeat.'),
    created_at: Timestamp('Registration time.'),
  },
  { additionalProperties: false },
);

export const RegisterExecutorBody = Type.Object(
  {
    data_plane_id: Uuid(),
    compute_pool_id: Type.Optional(Uuid()),
    types: Type.Array(JobTypeSchema, { maxItems: 50 }),
    slots: Type.Integer({ minimum: 1, maximum: 1000 }),
    name: Type.Optional(Text({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const ExecutorParams = Type.Object(
  { executor_id: Text({ pattern: '^job-executor-[0-9a-f-]{36}$' }) },
  { additionalProperties: false },
);

export const ListExecutorsQuery = Type.Object({ data_plane_id: Type.Optional(Uuid()) }, { additionalProperties: false });

export const CancellationsQuery = Type.Object(
  {
    wait_ms: Type.Optional(Type.Integer({
      minimum: 0, maximum: 30_000, default: 0,
      description: 'Long-poll: hold the request until a job of this executor is asked to cancel, this long at most.',
    })),
  },
  { additionalProperties: false },
);

export const Cancellations = Type.Object(
  {
    records: Type.Array(Type.Object(
      { job_id: Text({ format: 'uuid' }), attempt: Type.Integer({ description: 'The lease asked to stop.' }) },
      { additionalProperties: false },
    )),
  },
  { additionalProperties: false },
);
