import type { KeywordDefinition } from 'ajv';
import { Type, type TObjectOptions, type TSchema, type TStringOptions } from 'typebox';

/**
 * PostgreSQL cannot store a NUL character (`\u0000`) in text or jsonb (22021 / 22P05), and a lone UTF-16
 * surrogate is not Unicode at all, so a value holding either would pass the schema and fail as a 500 at the
 * database. The `x-storable` keyword refuses both at the schema layer with a 400 naming the field, for a string,
 * or for every string and key inside a free-form JSON object (walked, so `input.a.b` is named exactly). Free-form
 * objects are also limited in nesting depth: PostgreSQL parses jsonb recursively and a deep enough document is a
 * "stack depth limit exceeded" error. Every string in the schemas is a `Text()`, every free-form object a
 * `JsonObject()`: that is the one place the rule is applied (test/security/storable-schemas.test.ts checks it).
 */
export const STORABLE_KEYWORD = 'x-storable';
/** Deepest nesting accepted inside a free-form JSON object (`input`, `progress`, `result`...). */
export const MAX_JSON_DEPTH = 64;

const LONE_SURROGATE = /[\uD800-\uDFFF]/u; // with the u flag, a well-formed pair is one code point and does not match

/** Why `text` cannot be stored, or null when it can. */
export function unstorableText(text: string): string | null {
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return `contains a NUL character (U+0000) at offset ${nul}, which cannot be stored; remove it`;
  const lone = LONE_SURROGATE.exec(text);
  if (lone) {
    const code = lone[0].charCodeAt(0).toString(16).toUpperCase();
    return `contains an unpaired surrogate (U+${code}) at offset ${lone.index}, which is not valid Unicode; send well-formed UTF-8`;
  }
  return null;
}

const escapePointer = (key: string) =>
  key.replace(/~/g, '~0').replace(/\//g, '~1').replace(/[\u0000\uD800-\uDFFF]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * The first string or key in `value` that cannot be stored (or the first place nested deeper than `maxDepth`), as
 * a JSON Pointer relative to `value` and a message; null when everything can. Iterative: a hostile document
 * cannot overflow our stack either.
 */
export function findUnstorable(value: unknown, maxDepth = MAX_JSON_DEPTH): { pointer: string; message: string } | null {
  const stack: Array<{ value: unknown; pointer: string; depth: number }> = [{ value, pointer: '', depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v === 'string') {
      const why = unstorableText(v);
      if (why) return { pointer: item.pointer, message: why };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (item.depth >= maxDepth) {
      return { pointer: item.pointer, message: `nests deeper than ${maxDepth} levels; flatten it` };
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], pointer: `${item.pointer}/${i}`, depth: item.depth + 1 });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const pointer = `${item.pointer}/${escapePointer(key)}`;
      const why = unstorableText(key);
      if (why) return { pointer, message: `has a key that ${why}` };
      stack.push({ value: (v as Record<string, unknown>)[key], pointer, depth: item.depth + 1 });
    }
  }
  return null;
}

/** The Ajv keyword behind `Text()` and `JsonObject()`; registered on every validator (src/api/validation.ts). */
export const storableKeyword: KeywordDefinition = {
  keyword: STORABLE_KEYWORD,
  schemaType: 'boolean',
  errors: true,
  validate: function storable(enabled: boolean, data: unknown, _parent?: unknown, cxt?: { instancePath: string }): boolean {
    const self = storable as unknown as { errors?: unknown[] };
    if (!enabled) return true;
    // Strings of a schema are plain text (no depth); objects are free-form JSON, walked.
    const found = typeof data === 'string'
      ? (() => { const message = unstorableText(data); return message ? { pointer: '', message } : null; })()
      : findUnstorable(data);
    if (!found) return true;
    self.errors = [{
      keyword: STORABLE_KEYWORD, instancePath: `${cxt?.instancePath ?? ''}${found.pointer}`, message: found.message, params: {},
    }];
    return false;
  },
};

/** A string input: the one string type of every schema (refuses what PostgreSQL cannot store, see above). */
export const Text = (options: TStringOptions = {}) => Type.String({ ...options, [STORABLE_KEYWORD]: true });

/** A free-form JSON object (stored as jsonb): any keys and values, every string in it storable, bounded depth. */
export const JsonObject = (options: TObjectOptions = {}) =>
  Type.Object({}, { additionalProperties: true, ...options, [STORABLE_KEYWORD]: true });

export const Uuid = (description?: string) =>
  Text({ format: 'uuid', ...(description ? { description } : {}) });

/** ISO 8601 UTC timestamp with microseconds. */
export const Timestamp = (description: string) => Text({ format: 'date-time', description });
export const NullableTimestamp = (description: string) =>
  Type.Union([Text({ format: 'date-time' }), Type.Null()], { description });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Problem = Type.Object(
  {
    type: Text({ description: 'A URI naming the problem type (see docs/errors.md).' }),
    title: Text(),
    status: Type.Integer(),
    detail: Text(),
    instance: Text({ description: 'The request path.' }),
    code: Text({ description: 'Stable machine-readable code.' }),
    errors: Type.Optional(
      Type.Array(
        Type.Object(
          {
            in: Type.Optional(Text()),
            pointer: Type.Optional(Text()),
            message: Text(),
            file: Type.Optional(Text({ description: 'Imports: the file (its upload name).' })),
            line: Type.Optional(Type.Integer({ description: '1-based line (NQL source, CSV/JSON-lines file).' })),
            column: Type.Optional(Type.Union([Type.Integer(), Text()], {
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
