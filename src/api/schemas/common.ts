import { Type, type TSchema } from 'typebox';

export const Uuid = (description?: string) =>
  Type.String({ format: 'uuid', ...(description ? { description } : {}) });

/** ISO 8601 UTC timestamp with microseconds. */
export const Timestamp = (description: string) => Type.String({ format: 'date-time', description });
export const NullableTimestamp = (description: string) =>
  Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Problem = Type.Object(
  {
    type: Type.String({ description: 'A URI naming the problem type (see docs/errors.md).' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String({ description: 'The request path.' }),
    code: Type.String({ description: 'Stable machine-readable code.' }),
    errors: Type.Optional(
      Type.Array(
        Type.Object(
          {
            in: Type.Optional(Type.String()),
            pointer: Type.Optional(Type.String()),
            message: Type.String(),
            file: Type.Optional(Type.String({ description: 'Imports: the file (its upload name).' })),
            line: Type.Optional(Type.Integer({ description: '1-based line (NQL source, CSV/JSON-lines file).' })),
            column: Type.Optional(Type.Union([Type.Integer(), Type.String()], {
              description: 'NQL: the 1-based column of the offending token. Imports: the column (attribute) name.',
            })),
          },
          { additionalProperties: true },
        ),
      ),
    ),
  },
  { additionalProperties: true, $id: 'Problem', description: 'RFC 7807 problem details (application/problem+json).' },
);

/** The error responses every authenticated route can produce, for the OpenAPI document. */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, Type.Ref('Problem')]));

export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: '1-indexed page number.' })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'At most 500.' })),
  offset: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 500_000_000, description: 'Records to skip; overrides page.' }),
  ),
};

export const Empty = Type.Object({}, { additionalProperties: false });

/** A string enum as plain JSON Schema `enum` (clearer errors and OpenAPI than a union of literals). */
export const StringEnum = <const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
