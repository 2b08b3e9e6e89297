import fc from 'fast-check';
import { fillPath, idFor, opKey, sample, type IdSet, type OpenApiDoc, type Operation } from './openapi-requests.js';

/** What the fuzzer throws at a string field: what databases, parsers and prototype lookups trip over. */
const NASTY_STRINGS = [
  '\u0000', 'a\u0000b', '\u0000\u0000\u0000', '\uD800', 'x\uDFFFy', '\uDBFF', '\uD83D\uDE00', '𝕏𝕐', 'e\u0301', '\u202Eevil\u202C',
  '\uFEFF', '\u2028\u2029', '', ' ', '\t\n\r', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
  "'; DROP TABLE jobs; --", '" OR 1=1 --', "' OR ''='", '); SELECT pg_sleep(10); --', '$(rm -rf /)', '`id`', '../../../etc/passwd',
  '..\\..\\windows\\win.ini', '%00', '%2e%2e%2f', '<script>alert(1)</script>', '${jndi:ldap://x/a}', '{{7*7}}', 'NaN', '-1', '0',
  '1e309', '9007199254740993', '-9223372036854775809', 'null', 'true', '[]', '{}', 'company_data."6402\u0000"',
  'SELECT * FROM company_data."1" LIMIT 99999999999999999999999', 'datasets/1/snapshots/1/../../../../etc/passwd',
  'job-executor-00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
];

const loneSurrogates = fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 4 });
const anyCodeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: anyCodeUnits },
  { weight: 1, arbitrary: loneSurrogates.map((s) => `a${s}b`) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom(10_000, 100_000, 1_100_000).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...NASTY_STRINGS), fc.string({ maxLength: 10 })).map(([a, b]) => `${b}${a}${b}`) },
);

/** A value nested `depth` levels deep, kept as text: JSON.stringify of it would overflow our own stack. */
export class DeepJson {
  constructor(readonly depth: number, readonly asObject: boolean) {}
  toText(): string {
    return this.asObject ? `${'{"k":'.repeat(this.depth)}"bottom"${'}'.repeat(this.depth)}` : `${'['.repeat(this.depth)}"bottom"${']'.repeat(this.depth)}`;
  }
}
const nested = (depth: number, asObject: boolean): unknown => new DeepJson(depth, asObject);

/** JSON text of a fuzzed value (DeepJson parts as their text). */
export function toJsonText(value: unknown): string {
  if (value instanceof DeepJson) return value.toText();
  if (Array.isArray(value)) {
    // By index, not value.map: a generated array can carry an own `constructor` key, and map would consult its
    // Symbol.species (JSON.stringify ignores such keys too).
    const items: string[] = [];
    for (let i = 0; i < value.length; i++) items.push(value[i] === undefined ? 'null' : toJsonText(value[i]));
    return `[${items.join(',')}]`;
  }
  if (value && typeof value === 'object') {
    return `{${Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Any JSON value, hostile leaning: wrong types, huge and deep values, odd numbers, nasty keys. */
export const nastyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { weight: 6, arbitrary: nastyString },
    { weight: 2, arbitrary: fc.constantFrom(0, -1, 1, -0, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, 1.5, 0.1, Number.MAX_SAFE_INTEGER) },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(65, 200, 2000, 5000), fc.boolean()).map(([d, o]) => nested(d, o)) },
    { weight: 1, arbitrary: fc.constantFrom(1000, 60_000).map((n) => Array.from({ length: n }, (_, i) => i)) },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.dictionary(nastyString.filter((k) => k.length < 200), tie('value'), { maxKeys: 4 }) },
  ),
})).value;

export interface FuzzRequest {
  op: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  /** Which token: the write token mostly, so that requests get past auth into validation and the handlers. */
  as: 'write' | 'read-only' | 'none';
}

/** Replaces the value at a random place of `base` (or the whole of it) with `value`. */
function mutate(base: unknown, pick: number, value: unknown, key: string | undefined): unknown {
  if (base === null || typeof base !== 'object') return value;
  const clone: any = Array.isArray(base) ? [...base] : { ...(base as object) };
  const keys = Object.keys(clone);
  if (key !== undefined && pick % 3 === 0) {
    // A field the schema may not know, or a prototype name, as an own property (`clone[key] =` would set the prototype).
    Object.defineProperty(clone, key, { value, enumerable: true, writable: true, configurable: true });
    return clone;
  }
  if (keys.length === 0) return value;
  const k = keys[pick % keys.length]!;
  clone[k] = pick % 5 === 0 ? value : mutate(clone[k], Math.floor(pick / 7), value, key);
  return clone;
}

/** Long-polls answer at once: a fuzzed `wait_ms` must not make one request take 30 s. */
function noLongPoll(body: unknown): unknown {
  if (body && typeof body === 'object' && !Array.isArray(body) && typeof (body as any).wait_ms === 'number') return { ...(body as object), wait_ms: 0 };
  return body;
}

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'text/csv', 'application/x-ndjson', 'application/vnd.apache.parquet', 'multipart/form-data; boundary=x', ''];

/** One fuzzed request for one of `ops`, built around a valid request of the tenant whose ids are `ids`. */
export function fuzzRequest(doc: OpenApiDoc, ops: Operation[], ids: IdSet): fc.Arbitrary<FuzzRequest> {
  return fc.record({
    opIndex: fc.nat({ max: ops.length - 1 }),
    pathMode: fc.constantFrom('valid', 'valid', 'nasty'),
    pathValue: nastyString,
    query: fc.array(fc.tuple(fc.nat(), nastyValue), { maxLength: 3 }),
    bodyMode: fc.constantFrom('mutated', 'mutated', 'mutated', 'value', 'raw', 'valid'),
    pick: fc.nat(),
    value: nastyValue,
    key: fc.option(fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', 'a\u0000b', '\uD800'), { nil: undefined }),
    raw: fc.oneof(
      fc.constantFrom('{', '{"a":', '[1,2', 'null', '"x"', '1', '{"a":1}{"b":2}', '\u0000', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}'),
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')),
      nastyString,
    ),
    bytes: fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.constant(new Uint8Array(64)), nastyString.map((s) => new TextEncoder().encode(`a,b\n${s},1\n`))),
    contentType: fc.constantFrom(...CONTENT_TYPES),
    as: fc.constantFrom('write', 'write', 'write', 'write', 'write', 'write', 'write', 'write', 'read-only', 'none'),
  }).map((r): FuzzRequest => {
    const op = ops[r.opIndex]!;
    const path = fillPath(op, (p) => (r.pathMode === 'nasty' ? String(r.pathValue).slice(0, 2000) : (idFor(ids, p.name) ?? sample(doc, p.schema, ids, p.name) as string)))!;
    const query = new URLSearchParams();
    for (const q of op.query) {
      const id = idFor(ids, q.name);
      if (q.required || id !== undefined) query.set(q.name, String(id ?? sample(doc, q.schema, ids, q.name)));
    }
    for (const [i, v] of r.query) {
      const name = op.query.length > 0 && i % 4 !== 0 ? op.query[i % op.query.length]!.name : String(r.key ?? 'unknown_param');
      query.set(name, typeof v === 'string' ? v.slice(0, 5000) : toJsonText(v).slice(0, 5000));
    }
    if (op.path === '/events') query.set('format', 'json');
    if (query.has('wait_ms')) query.set('wait_ms', '0');
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | Uint8Array | undefined;
    if (op.rawBody) {
      body = r.bodyMode === 'raw' ? r.raw : r.bytes;
      headers['content-type'] = r.bodyMode === 'value' ? r.contentType || 'text/csv' : ['text/csv', 'application/x-ndjson', 'application/vnd.apache.parquet'][r.pick % 3]!;
    } else if (op.body || (r.bodyMode === 'raw' && op.method !== 'GET' && op.method !== 'HEAD')) {
      const valid = op.body ? sample(doc, op.body, ids) : {};
      const json = r.bodyMode === 'valid' ? valid : r.bodyMode === 'value' ? r.value : mutate(valid, r.pick, r.value, r.key);
      body = r.bodyMode === 'raw' ? r.raw : toJsonText(noLongPoll(json));
      headers['content-type'] = r.bodyMode === 'raw' && r.pick % 4 === 0 ? r.contentType : 'application/json';
      if (headers['content-type'] === '') delete headers['content-type'];
    }
    const qs = query.toString();
    return { op: opKey(op), method: op.method, path: qs ? `${path}?${qs}` : path, headers, body, as: r.as };
  });
}
