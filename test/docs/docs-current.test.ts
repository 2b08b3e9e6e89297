import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { renderApi } from '../../src/docs/render-api.js';
import { renderErrors } from '../../src/docs/render-errors.js';
import { renderStateMachine } from '../../src/docs/render-state-machine.js';
import { PROBLEM_CATALOGUE } from '../../src/api/problems.js';
import { startTestServer, type TestServer } from '../support/harness.js';

const read = (name: string) => readFile(new URL(`../../docs/${name}`, import.meta.url), 'utf8');
const STALE = 'is stale: run `npm run docs` and commit the result';

describe('generated docs are current', () => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer('pglite'); });
  afterAll(async () => { await server?.close(); });

  it('docs/state-machine.md matches the transition table', async () => {
    expect(await read('state-machine.md'), `docs/state-machine.md ${STALE}`).toBe(renderStateMachine());
  });

  it('docs/errors.md lists every problem code, and only those', async () => {
    const text = await read('errors.md');
    expect(text, `docs/errors.md ${STALE}`).toBe(renderErrors());
    for (const code of Object.keys(PROBLEM_CATALOGUE)) expect(text).toContain(`\`${code}\``);
  });

  it('docs/api.md matches the OpenAPI document', async () => {
    const doc = (await server.request('GET', '/openapi.json', { token: null })).body;
    expect(await read('api.md'), `docs/api.md ${STALE}`).toBe(renderApi(doc));
  });
});
