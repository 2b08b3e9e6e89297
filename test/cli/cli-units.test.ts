import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError, ApiUnavailableError, type Job } from '../../src/client/index.js';
import { resolveTarget } from '../../src/cli/api-target.js';
import { describeCliError } from '../../src/cli/cli-errors.js';
import { CsvRows } from '../../src/cli/dataset-export.js';
import { exitCodeOf, isOver } from '../../src/cli/job-follow.js';
import { table, valueAt } from '../../src/cli/output.js';
import { extractSnippets, permissionLists, transform } from '../docs/snippets.js';

const job = (over: Partial<Job>): Job => ({ state: 'failed', retry_at: null, attempt: 1, max_attempts: 3, ...over } as Job);

describe('the CLI\'s building blocks', () => {
  const dirs: string[] = [];
  afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

  it('a failed job with a retry to come is not over; exit codes: completed 0, failed 1, cancelled 2', () => {
    expect(isOver(job({ state: 'failed', retry_at: '2030-01-01T00:00:00Z', attempt: 1 }))).toBe(false);
    expect(isOver(job({ state: 'failed', retry_at: null, attempt: 1 }))).toBe(true);
    expect(isOver(job({ state: 'failed', retry_at: '2030-01-01T00:00:00Z', attempt: 3 }))).toBe(true);
    for (const state of ['pending', 'running', 'pending_cancellation'] as const) expect(isOver(job({ state }))).toBe(false);
    expect([job({ state: 'completed' }), job({ state: 'failed' }), job({ state: 'cancelled' })].map(exitCodeOf)).toEqual([0, 1, 2]);
  });

  it('tables align columns and show missing cells as -; --field paths reach into objects and arrays', () => {
    expect(table(['id', 'state'], [['a', 'running'], ['bbbb', null]])).toBe('ID    STATE\na     running\nbbbb  -');
    expect(valueAt({ result: { ids: [4, 5] } }, 'result.ids.1')).toBe(5);
    expect(valueAt({ result: null }, 'result.dataset_id')).toBeUndefined();
  });

  it('CSV flattens nested attributes into dotted columns and quotes what needs quoting', () => {
    const csv = new CsvRows({ type: 'object', properties: { geo: { type: 'object', properties: { lat: { type: 'double' } } }, name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } } });
    expect(csv.header()).toBe('geo.lat,name,tags\n');
    expect(csv.line({ geo: { lat: 1.5 }, name: 'a, "b"', tags: ['x'] })).toBe('1.5,"a, ""b""","[""x""]"\n');
    expect(csv.line({ geo: null, name: null, tags: null })).toBe(',,\n');
  });

  it('resolves the API from --api, JOBPLANE_API, the data dir\'s lock, else the default, and says which', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'jp-target-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'admin-token'), 'jp_file\n');
    const env = { JOBPLANE_DATA_DIR: dir };
    expect(await resolveTarget({ api: 'http://a:1' }, { ...env, JOBPLANE_API: 'http://b:2' })).toMatchObject({ url: 'http://a:1', source: 'from --api', token: 'jp_file' });
    expect(await resolveTarget({}, { ...env, JOBPLANE_API: 'http://b:2', JOBPLANE_TOKEN: 'jp_env' })).toMatchObject({ url: 'http://b:2', source: 'from JOBPLANE_API', token: 'jp_env' });
    expect((await resolveTarget({}, env)).source).toBe(`the default: no running server recorded in ${path.join(dir, 'jobplane.lock')}; pass --api or set JOBPLANE_API`);
    await writeFile(path.join(dir, 'jobplane.lock'), JSON.stringify({ pid: process.pid, kind: 'serve', url: 'http://127.0.0.1:9999', started_at: '' }));
    expect(await resolveTarget({}, env)).toMatchObject({ url: 'http://127.0.0.1:9999', source: `the server running on ${dir}` });
    await expect(resolveTarget({ api: 'nope' }, env)).rejects.toThrow('the API URL "nope" (from --api) is not a URL');
  });

  it('errors name the URL and its source, and a problem\'s detail with its pointers', () => {
    const target = { url: 'http://127.0.0.1:8080', source: 'from JOBPLANE_API', token: 'x', tokenSource: 'JOBPLANE_TOKEN' };
    const down = new ApiUnavailableError('GET', '/jobs', 'network', { cause: { code: 'ECONNREFUSED' } }, 'http://127.0.0.1:8080');
    expect(describeCliError(down, target)).toBe('the jobplane API at http://127.0.0.1:8080 (from JOBPLANE_API) is unreachable: ECONNREFUSED');
    const bad = new ApiError('POST', '/jobs', {
      type: 'about:blank', title: 'Invalid', status: 400, detail: 'body/type must be string', instance: '/jobs', code: 'validation_failed',
      errors: [{ in: 'body', pointer: '/type', message: 'must be string' }, { file: 'a.csv', line: 3, column: 'km' as unknown as number, message: 'not a number' }],
    });
    expect(describeCliError(bad, target)).toBe('POST /jobs: 400 validation_failed: body/type must be string\n  body /type: must be string\n  a.csv:3 column "km": not a number');
  });

  it('the docs runner: sh blocks only, the URL and data dir substituted, "# prints:" checked, permission lists found', () => {
    const md = 'text\n```sh\ncurl http://127.0.0.1:8080/x -H @.jobplane/admin-token\njobplane job wait "$J"   # prints: completed\n```\n```console\nnot run\n```\n';
    const [block, ...rest] = extractSnippets('X.md', md);
    expect(rest).toEqual([]);
    expect(block).toMatchObject({ file: 'X.md', line: 2 });
    const code = transform(block!.code, { url: 'http://127.0.0.1:5555', dataDir: '/tmp/d' });
    expect(code).toBe('curl http://127.0.0.1:5555/x -H @/tmp/d/admin-token\n__jp_out=$(jobplane job wait "$J"); printf \'%s\\n\' "$__jp_out"; __jp_expect \'completed\' "$__jp_out"');
    expect(() => transform('curl x \\\n  -d y   # prints: z', { url: 'u', dataDir: 'd' })).toThrow('needs a one-line command');
    expect(permissionLists('jobplane token create --permissions jobs:read,nql:write\njobplane token create --permissions all')).toEqual(['jobs:read,nql:write']);
  });
});
