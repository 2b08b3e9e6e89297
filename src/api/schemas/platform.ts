import { Type } from 'typebox';
import { RESOURCES } from '../../core/permissions.js';
import { ENGINES } from '../../core/engines.js';
import { Nullable, NullableTimestamp, Timestamp, Uuid, StringEnum, Text } from './common.js';

export const DataPlane = Type.Object(
  {
    type: Type.Literal('owned'),
    id: Uuid(),
    company_id: Type.Integer(),
    display_name: Text(),
    description: Nullable(Text()),
    engine: StringEnum(ENGINES, { description: 'The SQL dialect its jobs are compiled to.' }),
    status: StringEnum(['active', 'archived']),
    tags: Type.Array(Text()),
    last_heartbeat_at: NullableTimestamp('Last heartbeat from the plane\'s operator.'),
    created_at: Timestamp('Creation time.'),
    updated_at: Timestamp('Last change.'),
  },
  { additionalProperties: false },
);

export const CreateDataPlaneBody = Type.Object(
  {
    display_name: Text({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Text({ maxLength: 2000 })),
    engine: Type.Optional(StringEnum(ENGINES, { default: 'duckdb' })),
    tags: Type.Optional(Type.Array(Text({ minLength: 1, maxLength: 100 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);

export const DataPlaneParams = Type.Object({ data_plane_id: Uuid() }, { additionalProperties: false });

export const ComputePool = Type.Object(
  {
    id: Uuid(),
    data_plane_id: Uuid(),
    name: Text(),
    max_concurrency: Type.Integer({ description: 'Jobs of this pool running at once, across all its executors.' }),
    created_at: Timestamp('Creation time.'),
  },
  { additionalProperties: false },
);

export const CreateComputePoolBody = Type.Object(
  {
    name: Text({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' }),
    max_concurrency: Type.Integer({ minimum: 1, maximum: 100_000 }),
  },
  { additionalProperties: false },
);

export const PermissionSchema = Type.Object(
  {
    resource: StringEnum(RESOURCES),
    access: StringEnum(['read', 'write'], { description: 'write includes read' }),
  },
  { additionalProperties: false },
);

export const AccessToken = Type.Object(
  {
    id: Uuid(),
    company_id: Type.Integer(),
    user_id: Nullable(Type.Integer()),
    name: Text(),
    permissions: Type.Array(PermissionSchema),
    data_plane_id: Nullable(Uuid('Set for operator tokens, bound to one data plane.')),
    expires_at: NullableTimestamp('When the token stops working.'),
    revoked_at: NullableTimestamp('When the token was revoked.'),
    created_at: Timestamp('Creation time.'),
  },
  { additionalProperties: false },
);

/** The create response: the token's record plus the token itself, shown this once. */
export const CreatedToken = Type.Object(
  { ...AccessToken.properties, access_token: Text({ description: 'jp_<43 base64url chars>; shown once, never again.' }) },
  { additionalProperties: false },
);

export const CreateTokenBody = Type.Object(
  {
    name: Text({ minLength: 1, maxLength: 200 }),
    permissions: Type.Array(PermissionSchema, { minItems: 1, maxItems: 50 }),
    expires_at: Type.Optional(Text({ format: 'date-time' })),
    data_plane_id: Type.Optional(Uuid('Bind the token to one data plane (an operator token).')),
  },
  { additionalProperties: false },
);

export const TokenParams = Type.Object({ access_token_id: Uuid() }, { additionalProperties: false });

export const WhoAmI = Type.Object(
  {
    user_id: Nullable(Type.Integer()),
    name: Nullable(Text()),
    company_access_list: Type.Array(Type.Integer()),
    current_company_scope: Type.Object({ company_id: Type.Integer(), slug: Text(), name: Text() }),
    token: Type.Object({
      id: Uuid(),
      permissions: Type.Array(PermissionSchema),
      data_plane_id: Nullable(Uuid()),
    }),
  },
  { additionalProperties: false },
);
