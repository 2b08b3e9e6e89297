import { randomUUID } from 'node:crypto';

/**
 * Reads the operations of the server's own `/openapi.json` and builds requests for them: the auth matrix and the
 * fuzz test cover every endpoint the server documents, including ones added after these tests were written.
 */

type Schema = Record<string, any>;
export type OpenApiDoc = { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, Schema> } };

export interface Param {
  name: string;
  schema: Schema;
  required: boolean;
}

export interface Operation {
  method: string;
  /** The templated path, e.g. `/jobs/{job_id}`. */
  path: string;
  /** `jobs:write`, from the route's `x-permission`; null for routes any valid token may call. */
  permission: string | null;
  /** Needs no token at all (`security: []`). */
  public: boolean;
  pathParams: Param[];
  query: Param[];
  /** The JSON body's schema; undefined when the operation takes none (or takes files, see `rawBody`). */
  body: Schema | undefined;
  /** Takes files as the raw body (the import endpoints), not JSON. */
  rawBody: boolean;
}

export const opKey = (op: Pick<Operation, 'method' | 'path'>) => `${op.method} ${op.path}`;

export function operationsOf(doc: OpenApiDoc): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []) as Array<{ in: string; name: string; schema: Schema; required?: boolean }>;
      out.push({
        method: method.toUpperCase(), path,
        permission: (op['x-permission'] as string | undefined) ?? null,
        public: Array.isArray(op.security) && op.security.length === 0,
        pathParams: params.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema, required: true })),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema, required: p.required === true })),
        body: op.requestBody?.content?.['application/json']?.schema,
        rawBody: /\/import$/.test(path) && method === 'post',
      });
    }
  }
  return out;
}

/** Follows `$ref`s into `components/schemas` (and by `$id`), and merges `allOf`. */
export function resolve(doc: OpenApiDoc, schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let i = 0; s.$ref && i < 20; i++) {
    const ref = String(s.$ref);
    const name = ref.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : ref.replace(/^#/, '');
    s = doc.components?.schemas?.[name] ?? {};
  }
  if (Array.isArray(s.allOf)) {
    const parts = s.allOf.map((p: Schema) => resolve(doc, p));
    return {
      type: 'object',
      properties: Object.assign({}, ...parts.map((p: Schema) => p.properties ?? {})),
      required: parts.flatMap((p: Schema) => p.required ?? []),
    };
  }
  return s;
}

/**
 * The ids a request may name, by the name of the field or parameter that carries them (`dataset_id`,
 * `data_plane_id`, `executor`...). The auth matrix fills requests with one tenant's ids, then with another's.
 */
export type IdSet = Record<string, string | number>;

const ID_ALIASES: Record<string, string> = {
  parent_snapshot_id: 'snapshot_id',
  executor: 'executor_id',
  id: '',
};

/** The id `ids` holds for a field or parameter named `name`, if the name names a resource. */
export function idFor(ids: IdSet, name: string): string | number | undefined {
  const key = ID_ALIASES[name] ?? name;
  return key ? ids[key] : undefined;
}

/**
 * A value valid for `schema` (as far as a generic sampler can tell): required properties, ids from `ids` where a
 * property names a resource, examples and defaults where the schema has them.
 */
export function sample(doc: OpenApiDoc, schema: Schema | undefined, ids: IdSet, name = '', depth = 0): unknown {
  const s = resolve(doc, schema);
  const id = idFor(ids, name);
  if (id !== undefined && (s.type === 'string' || s.type === 'integer' || s.anyOf)) return id;
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  if (s.default !== undefined && depth > 0) return s.default;
  const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (branches) return sample(doc, branches.find((b) => resolve(doc, b).type !== 'null') ?? branches[0], ids, name, depth);
  switch (s.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = (s.properties ?? {}) as Record<string, Schema>;
      for (const key of Object.keys(props)) {
        // Optional fields naming a resource by `*_id` are filled too (at the top level), so that the matrix sends them.
        const isId = key.endsWith('_id') && idFor(ids, key) !== undefined;
        if ((s.required ?? []).includes(key) || (isId && depth === 0)) out[key] = sample(doc, props[key], ids, key, depth + 1);
      }
      return out;
    }
    case 'array':
      return s.minItems ? Array.from({ length: s.minItems }, () => sample(doc, s.items, ids, name, depth + 1)) : [];
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' ? Math.max(s.minimum, 1) : 1;
    case 'boolean':
      return false;
    case 'string':
      return sampleString(s);
    default:
      return {};
  }
}

const STRING_CANDIDATES = ['a', 'job-executor-00000000-0000-4000-8000-000000000000', 'datasets/1/snapshots/1/part-0.parquet', 'sample_1', 'x1'];

function sampleString(s: Schema): string {
  if (s.format === 'uuid') return randomUUID();
  if (s.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
  const pattern = s.pattern ? new RegExp(s.pattern, 'u') : undefined;
  const fits = (v: string) => (!pattern || pattern.test(v)) && v.length >= (s.minLength ?? 0) && v.length <= (s.maxLength ?? Infinity);
  return STRING_CANDIDATES.find(fits) ?? 'a'.repeat(Math.max(1, s.minLength ?? 1));
}

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses) becomes its 3-byte (invalid UTF-8) encoding:
 * a client can send those bytes, so the fuzzer does.
 */
export function encodePathSegment(text: string): string {
  let out = '';
  let run = '';
  for (const ch of text) { // by code point: a well-formed pair is one, a lone surrogate is one of its own
    const u = ch.charCodeAt(0);
    if (ch.length === 1 && u >= 0xd800 && u <= 0xdfff) {
      out += encodeURIComponent(run);
      run = '';
      out += [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      run += ch;
    }
  }
  return out + encodeURIComponent(run);
}

/** `/jobs/{job_id}` with the ids (URL-encoded); undefined when a parameter has no id in `ids`. */
export function fillPath(op: Operation, value: (param: Param) => string | number | undefined): string | undefined {
  let path = op.path;
  for (const p of op.pathParams) {
    const v = value(p);
    if (v === undefined) return undefined;
    path = path.replace(`{${p.name}}`, encodePathSegment(String(v)));
  }
  return path;
}

/** Every string in a JSON document (values and keys), for leak checks. */
export function jsonText(body: unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body ?? null);
}

/** Another tenant's ids, to look for in answers: UUIDs anywhere, integers only under the keys that mean them. */
export interface ForeignIds {
  uuids: Map<string, string>;
  integers: Array<{ value: number; label: string; keys: readonly string[] }>;
}

/**
 * Ids of `foreign` that appear in `body`: UUIDs anywhere in its text (they are unique), an integer id only as the
 * value of a key that names that kind of resource (`dataset_id: 10003`, not `bytes: 10003`).
 */
export function foreignIdsIn(body: unknown, foreign: ForeignIds): string[] {
  const found = new Set<string>();
  const text = jsonText(body).toLowerCase();
  for (const [u, label] of foreign.uuids) if (text.includes(u.toLowerCase())) found.add(`${label} ${u}`);
  if (foreign.integers.length > 0 && body && typeof body === 'object') {
    const stack: Array<{ key: string; value: unknown }> = [{ key: '', value: body }];
    while (stack.length > 0) {
      const { key, value } = stack.pop()!;
      if (typeof value === 'number') {
        for (const f of foreign.integers) if (f.value === value && f.keys.includes(key)) found.add(`${f.label} ${value}`);
      } else if (Array.isArray(value)) {
        for (const v of value) stack.push({ key, value: v });
      } else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) stack.push({ key: k, value: v });
      }
    }
  }
  return [...found];
}
