import { randomBytes } from 'node:crypto';
import { fillPath, idFor, opKey, sample, type IdSet, type OpenApiDoc, type Operation } from './openapi-requests.js';

/** One request of the matrix: an operation with one tenant's ids in its path, query and body. */
export interface MatrixRequest {
  path: string;
  body?: unknown;
  rawBody?: string;
  headers: Record<string, string>;
  /** Some path parameter names a resource (so another tenant's caller must get 404). */
  namesResourceInPath: boolean;
}

/** Where a request carries `id`: in its path, its query string, its body (a field, or inside NQL text). */
export function placesOf(req: MatrixRequest, id: string | number): Set<'path' | 'query' | 'body'> {
  const text = String(id);
  const out = new Set<'path' | 'query' | 'body'>();
  const [path, query = ''] = req.path.split('?') as [string, string?];
  if (path.split('/').includes(encodeURIComponent(text))) out.add('path');
  if ([...new URLSearchParams(query).values()].includes(text)) out.add('query');
  const body = req.rawBody ?? (req.body === undefined ? '' : JSON.stringify(req.body));
  if (new RegExp(`(^|[^0-9A-Za-z-])${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^0-9A-Za-z-])`).test(body)) out.add('body');
  return out;
}

const SCHEMA = { type: 'object', properties: { a: { type: 'string' }, n: { type: 'long' } } };
const unique = () => randomBytes(4).toString('hex');

/**
 * Bodies the generic sampler cannot make meaningful: a job's input, NQL text, a dataset schema. Each names the
 * tenant's resources the way a real client would (so the foreign variant is a real cross-tenant attempt).
 */
const BODIES: Record<string, (ids: IdSet) => unknown> = {
  'POST /jobs': (ids) => ({
    type: 'nql-forecast', data_plane_id: ids['data_plane_id'],
    input: { nql: `EXPLAIN SELECT "a" FROM company_data."${ids['dataset_id']}"`, compiled_sql: `SELECT "a" FROM "ds_${ids['dataset_id']}"` },
    inputs: [{ dataset_id: ids['dataset_id'], snapshot_id: null }],
  }),
  'POST /nql/validate': (ids) => ({ nql: `SELECT "a" FROM company_data."${ids['dataset_id']}"`, data_plane_id: ids['data_plane_id'] }),
  'POST /nql/compile': (ids) => ({ nql: `SELECT "a" FROM company_data."${ids['dataset_id']}"`, data_plane_id: ids['data_plane_id'] }),
  'POST /nql/run': (ids) => ({ nql: `EXPLAIN SELECT "a" FROM company_data."${ids['dataset_id']}"`, data_plane_id: ids['data_plane_id'] }),
  'POST /datasets': (ids) => ({ name: `m_${unique()}`, schema: SCHEMA, data_plane_id: ids['data_plane_id'] }),
  'POST /data-planes': () => ({ display_name: `m ${unique()}` }),
  'POST /access-tokens/tokens': (ids) => ({ name: 'm', permissions: [{ resource: 'jobs', access: 'read' }], data_plane_id: ids['data_plane_id'] }),
  'POST /webhooks': (ids) => ({ type: 'webhook_subscription_jobs', url: 'https://93.184.216.34/m', job_ids: [ids['job_id']] }),
  'POST /executors': (ids) => ({ data_plane_id: ids['data_plane_id'], types: ['nql-forecast'], slots: 1 }),
};

/** Query values that a request needs to answer at once (GET /events would stream for ever without format=json). */
const QUERIES: Record<string, Record<string, string>> = {
  'GET /events': { format: 'json' },
  'GET /executors/{executor_id}/cancellations': { wait_ms: '0' },
};

export function matrixRequest(doc: OpenApiDoc, op: Operation, ids: IdSet): MatrixRequest {
  let namesResourceInPath = false;
  const path = fillPath(op, (p) => {
    const id = idFor(ids, p.name);
    if (id !== undefined) {
      namesResourceInPath = true;
      return id;
    }
    return sample(doc, p.schema, {}, p.name) as string | number;
  })!;
  const query = new URLSearchParams(QUERIES[opKey(op)] ?? {});
  for (const q of op.query) {
    if (query.has(q.name)) continue;
    const id = idFor(ids, q.name);
    if (id !== undefined) {
      query.set(q.name, String(id));
    } else if (q.required) {
      query.set(q.name, String(sample(doc, q.schema, ids, q.name)));
    }
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: unknown;
  let rawBody: string | undefined;
  if (op.rawBody) {
    rawBody = 'a,n\nz,3\n';
    headers['content-type'] = 'text/csv';
    query.set('format', 'csv');
    if (query.has('name')) query.set('name', `m_${unique()}`);
  } else if (op.body) {
    body = BODIES[opKey(op)]?.(ids) ?? sample(doc, op.body, ids);
  }
  const qs = query.toString();
  return {
    path: qs ? `${path}?${qs}` : path,
    ...(body !== undefined ? { body } : {}), ...(rawBody !== undefined ? { rawBody } : {}),
    headers, namesResourceInPath,
  };
}
