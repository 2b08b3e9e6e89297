import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobplaneClient } from '../../src/client/index.js';
import { OrphanSweeper } from '../../src/plane/operator/index.js';
import { snapshotDir } from '../../src/plane/storage/snapshot-layout.js';
import { snapshotInsert } from '../../src/store/snapshots.js';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { plantOrphan } from '../support/plane-data.js';

const HOUR = 3_600_000;
const SCHEMA = { type: 'object', properties: { a: { type: 'long' } } };

/** A snapshot directory with one file, last touched `ageMs` ago. */
async function attemptDir(root: string, datasetId: number, snapshotId: number, ageMs: number): Promise<string> {
  await plantOrphan(root, datasetId, snapshotId, ageMs);
  return snapshotDir(root, datasetId, snapshotId);
}

const exists = async (dir: string) => readdir(dir).then(() => true, () => false);

describe.each(backends())('the operator\'s orphan sweep (%s)', (backend) => {
  let server: TestServer;
  let root: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    root = await mkdtemp(path.join(os.tmpdir(), 'jp-sweep-'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(root, { recursive: true, force: true });
  });

  const sweeper = (token: string, baseUrl = server.url) => new OrphanSweeper(
    new JobplaneClient({ baseUrl, token }), root, { intervalMs: HOUR, ageMs: HOUR }, pino({ level: 'silent' }),
  );

  it('deletes old uncommitted attempts only; keeps committed, young, and other planes\' directories', async () => {
    const mine = (await server.request('POST', '/datasets', { body: { name: 'sweep_mine', schema: SCHEMA } })).body;
    const other = await server.otherCompany();
    const theirs = (await server.request('POST', '/datasets', { token: other.token, body: { name: 'sweep_theirs', schema: SCHEMA } })).body;
    await snapshotInsert(server.database.db, {
      snapshotId: 111, datasetId: mine.id, parentSnapshotId: null, operation: 'append',
      files: [{ path: `datasets/${mine.id}/snapshots/111/part-0.parquet`, rows: 1, bytes: 18 }], rowCount: 1, bytes: 18,
      jobId: null, inputs: [],
    });
    const committed = await attemptDir(root, mine.id, 111, 3 * HOUR);
    const crashed = await attemptDir(root, mine.id, 222, 2 * HOUR);
    const stillWriting = await attemptDir(root, mine.id, 333, 60_000);
    const invisible = await attemptDir(root, theirs.id, 444, 2 * HOUR);
    const unknownDataset = await attemptDir(root, 987_654, 555, 2 * HOUR);

    // An operator token sees the datasets of its own plane only.
    const { token } = await server.token('jobs:write,data-planes:write,datasets:read', { dataPlaneId: server.dataPlaneId });
    await sweeper(token).sweepNow();

    expect(await exists(crashed)).toBe(false);
    for (const kept of [committed, stillWriting, invisible, unknownDataset]) expect(await exists(kept), kept).toBe(true);
  });

  it('deletes nothing while the API cannot answer', async () => {
    const dataset = (await server.request('POST', '/datasets', { body: { name: 'sweep_outage', schema: SCHEMA } })).body;
    const dir = await attemptDir(root, dataset.id, 666, 2 * HOUR);
    await sweeper(server.adminToken, 'http://127.0.0.1:9').sweepNow(); // nothing listens on port 9
    await sweeper('jp_not_a_valid_token_at_all_aaaaaaaaaaaaaaaaaaaaaa').sweepNow(); // 401 on every call
    expect(await exists(dir)).toBe(true);
    await sweeper(server.adminToken).sweepNow();
    expect(await exists(dir)).toBe(false);
  });
});
