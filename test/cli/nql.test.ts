import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from '../support/harness.js';
import { runCli } from '../support/spawn.js';
import { SEED_SCHEMA } from '../fixtures/seed.js';

describe('jobplane nql', () => {
  let server: TestServer;
  let dir: string;
  let datasetId: number;
  beforeAll(async () => {
    server = await startTestServer('pglite');
    datasetId = (await server.request('POST', '/datasets', { body: { name: 'cli_ds', schema: SEED_SCHEMA } })).body.id;
    dir = await mkdtemp(path.join(os.tmpdir(), 'jobplane-nql-cli-'));
  });
  afterAll(async () => { await server?.close(); });
  const env = () => ({ JOBPLANE_API: server.url, JOBPLANE_TOKEN: server.adminToken });

  it('compiles a file to either dialect', async () => {
    const file = path.join(dir, 'q.nql');
    await writeFile(file, `EXPLAIN SELECT "geographic_location"."latitude" FROM company_data."${datasetId}"`);
    const duck = await runCli(['nql', 'compile', file], env());
    expect(duck.code, duck.stderr).toBe(0);
    expect(duck.stdout).toContain(`"ds_${datasetId}"`);
    const spark = await runCli(['nql', 'compile', '--dialect', 'spark', file], env());
    expect(spark.stdout).toContain(`narrative.datasets.ds_${datasetId}`);
  });

  it('prints errors with a caret under the column', async () => {
    const file = path.join(dir, 'bad.nql');
    await writeFile(file, `EXPLAIN SELECT "hashed_email",\nFROM company_data."${datasetId}"`);
    const res = await runCli(['nql', 'validate', file], env());
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/bad\.nql:2:1: error: /);
    expect(res.stderr).toContain(`  FROM company_data."${datasetId}"\n  ^`);
  });
});
