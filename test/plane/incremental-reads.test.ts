import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/client/errors.js';
import type { BoundInput } from '../../src/plane/handlers/bind-inputs.js';
import type { DataPlaneResources, SnapshotInfo } from '../../src/plane/handlers/data-plane.js';
import { incrementalReads } from '../../src/plane/handlers/incremental-reads.js';

const ROOT = '/storage';
const file = (ds: number, snap: number, n = 0) => ({ path: `datasets/${ds}/snapshots/${snap}/part-${n}.parquet`, rows: 10, bytes: 100 });
const snapshots = new Map<string, SnapshotInfo>([
  ['1/10', { snapshot_id: 10, files: [file(1, 10)], row_count: 10 }],
  ['1/11', { snapshot_id: 11, files: [file(1, 10), file(1, 11)], row_count: 20 }],
  ['1/12', { snapshot_id: 12, files: [file(1, 12)], row_count: 10 }], // an overwrite of 10
]);
const resources = {
  storageRoot: ROOT,
  catalog: {
    dataset: async () => { throw new Error('not used'); },
    snapshot: async (ds: number, id: number) => {
      const s = snapshots.get(`${ds}/${id}`);
      if (!s) throw new ApiError('GET', `/datasets/${ds}/snapshots/${id}`, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'gone', code: 'not_found' } as never);
      return s;
    },
  },
} as unknown as DataPlaneResources;
const bound = (snapshotId: number | null): BoundInput => {
  const s = snapshotId === null ? undefined : snapshots.get(`1/${snapshotId}`);
  return {
    datasetId: 1, schema: { type: 'object', properties: {} } as never, info: {} as never, snapshotId,
    rowCount: s?.row_count ?? 0, files: (s?.files ?? []).map((f) => `${ROOT}/${f.path}`),
  };
};
const parent = (inputs: SnapshotInfo['inputs']): SnapshotInfo => ({ snapshot_id: 99, files: [], row_count: 0, ...(inputs ? { inputs } : {}) });
const signal = new AbortController().signal;

describe('incrementalReads: what an incremental refresh reads, from the parent snapshot\'s lineage', () => {
  it('reads exactly the files appended since the snapshot the view read', async () => {
    const run = await incrementalReads(resources, parent([{ dataset_id: 1, snapshot_id: 10 }]), [bound(11)], signal);
    expect(run).toMatchObject({ kind: 'incremental', since: [{ dataset_id: 1, snapshot_id: 10 }], files: 1, rows: 10 });
    expect(run.kind === 'incremental' && run.reads[0]!.files).toEqual([`${ROOT}/datasets/1/snapshots/11/part-0.parquet`]);
  });

  it('reads nothing of an unchanged input, and all of one that had no snapshot then', async () => {
    const same = await incrementalReads(resources, parent([{ dataset_id: 1, snapshot_id: 11 }]), [bound(11)], signal);
    expect(same).toMatchObject({ kind: 'incremental', files: 0, rows: 0 });
    const fresh = await incrementalReads(resources, parent([{ dataset_id: 1, snapshot_id: null }]), [bound(11)], signal);
    expect(fresh).toMatchObject({ kind: 'incremental', files: 2, rows: 20 });
  });

  it('runs in full, saying why, whenever the delta is not known', async () => {
    const reason = async (p: SnapshotInfo | null, b: BoundInput) => {
      const run = await incrementalReads(resources, p, [b], signal);
      expect(run.kind).toBe('full');
      return (run as { reason: string }).reason;
    };
    expect(await reason(null, bound(11))).toBe('not incremental: the view has no snapshot yet');
    expect(await reason(parent(undefined), bound(11))).toContain('does not record which snapshot of dataset 1');
    expect(await reason(parent([{ dataset_id: 1, snapshot_id: 10 }]), bound(12))).toBe('not incremental: dataset 1 was overwritten since snapshot 10, not appended to');
    expect(await reason(parent([{ dataset_id: 1, snapshot_id: 7 }]), bound(11))).toContain('snapshot 7 of dataset 1, which the view last read, no longer exists');
    expect(await reason(parent([{ dataset_id: 1, snapshot_id: 10 }]), bound(null))).toContain('has no snapshot now');
  });
});
