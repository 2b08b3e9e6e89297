import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { isTerminal, type SpawnedServer } from '../support/plane-cluster.js';
import { missingFiles, quickViewNql, snapshotDirsOnDisk, spawnPlaneOperator, startPlaneServer } from '../support/plane-data.js';

/**
 * A view's WRITE_MODE across two runs, with a real server and operator process. Append (the default) is covered by
 * seed-materialize.test.ts (a forced re-run lists the first snapshot's files plus new ones, twice the rows); this is
 * overwrite: the second snapshot lists only its own new files, and the first snapshot stays intact for readers
 * bound to it (deleting it is retention's job).
 */
describe.each(backends())('a materialized view\'s WRITE_MODE = \'overwrite\' (%s)', (backend) => {
  let server: SpawnedServer;
  beforeAll(async () => {
    server = await startPlaneServer(backend, 5_000);
    await spawnPlaneOperator(server);
  }, 240_000);
  afterAll(async () => server?.close());

  const finished = (jobId: string) => server.waitForJob(jobId, isTerminal, 90_000, 'the job to end');

  it('a re-run replaces the files: the new snapshot lists only its own, the same row count; the old one is kept', async () => {
    const run = await server.admin.runNql({ nql: quickViewNql('overwritten', "WRITE_MODE = 'overwrite'") });
    const datasetId = run.input['dataset_id'] as number;
    expect(run.input['dataset']).toMatchObject({ id: datasetId, write_mode: 'overwrite', status: 'pending' });

    const first = await finished(run.id);
    expect(first.state, JSON.stringify(first.failures)).toBe('completed');
    const s1 = await server.admin.getSnapshot(datasetId, first.result!['snapshot_id'] as number);
    expect(s1).toMatchObject({ operation: 'overwrite', parent_snapshot_id: null, job_id: run.id });
    expect(s1.row_count).toBe(3); // US, CA, MX
    expect(s1.files.length).toBeGreaterThan(0);

    expect((await server.admin.rescheduleJob(run.id, { force: true })).outcome).toBe('rescheduled');
    const second = await finished(run.id);
    expect(second.state, JSON.stringify(second.failures)).toBe('completed');
    const s2 = await server.admin.getSnapshot(datasetId, second.result!['snapshot_id'] as number);
    expect(s2.snapshot_id).not.toBe(s1.snapshot_id);
    expect(s2).toMatchObject({ operation: 'overwrite', parent_snapshot_id: s1.snapshot_id, row_count: s1.row_count });
    expect(s2.files.length).toBeGreaterThan(0);
    for (const f of s2.files) expect(f.path.startsWith(`datasets/${datasetId}/snapshots/${s2.snapshot_id}/`), f.path).toBe(true);
    expect(s2.bytes).toBe(s2.files.reduce((sum, f) => sum + f.bytes, 0));

    expect(await server.admin.getDataset(datasetId))
      .toMatchObject({ status: 'active', write_mode: 'overwrite', latest_snapshot_id: s2.snapshot_id });
    const listed = (await server.admin.listSnapshots(datasetId)).records.map((s) => s.snapshot_id).sort();
    expect(listed).toEqual([s1.snapshot_id, s2.snapshot_id].sort());
    expect(await missingFiles(server.storageDir, [...s1.files, ...s2.files])).toEqual([]);
    expect(await snapshotDirsOnDisk(server.storageDir, datasetId)).toEqual([String(s1.snapshot_id), String(s2.snapshot_id)].sort());
  }, 120_000);
});
