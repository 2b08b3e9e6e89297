import { describe, expect, it } from 'vitest';
import type { IcebergSnapshot, IcebergTable } from '../../src/plane/spark/iceberg/iceberg-table.js';
import { currentOf } from '../../src/plane/spark/iceberg/iceberg-table.js';
import { orphanCandidates, reconcileTable } from '../../src/plane/spark/iceberg/reconcile.js';
import { jobplaneSnapshotId } from '../../src/plane/spark/iceberg/snapshot-ids.js';

// The reconcile's decisions and what it reads to make them, on a table double (no cluster: `npm test`). The real
// tables, changed behind an operator's back, are in spark-plane.spark.ts.

const snap = (id: string, parentId: string | null, wapId?: string, committedAtMs = 0): IcebergSnapshot => ({
  snapshotId: id, parentId, operation: 'append', committedAtMs, summary: wapId ? { 'wap.id': wapId } : {},
});

/** A table whose metadata reads and procedures are counted; cherrypick/rollback move `current` as Iceberg would. */
function fakeTable(snapshots: IcebergSnapshot[], current: string | null) {
  const calls: string[] = [];
  const t = {
    name: 'narrative.datasets.ds_7', datasetId: 7,
    current,
    async currentSnapshotId() { calls.push('current'); return t.current; },
    async snapshots() { calls.push('snapshots'); return snapshots; },
    async state() { calls.push('state'); return { snapshots, current: t.current }; },
    async cherrypick(id: string) {
      calls.push(`cherrypick ${id}`);
      if (snapshots.find((s) => s.snapshotId === id)?.parentId !== t.current) throw new Error('not a fast-forward');
      t.current = id;
    },
    async rollbackTo(id: string) { calls.push(`rollback ${id}`); t.current = id; },
    async expire(ids: string[]) { calls.push(`expire ${ids.join(',')}`); },
  };
  return { table: t as unknown as IcebergTable, calls, now: () => t.current };
}

// Iceberg ids above 2^53: the jobplane id is their low 53 bits.
const A = '9007199254740993'; // 2^53 + 1
const B = '9007199254740995';
const C = '9007199254740997';

describe('reconcile: what it reads', () => {
  it('reads only the current snapshot (no listing) when the table already agrees with the control plane', async () => {
    const t = fakeTable([snap(A, null), snap(B, A)], B);
    const res = await reconcileTable(t.table, { latestSnapshotId: jobplaneSnapshotId(B) });
    expect(res).toEqual({ current: B, published: [], expired: [] });
    expect(t.calls).toEqual(['current']);
  });

  it('reads nothing when the caller passes the current snapshot it has just read (ensure)', async () => {
    const t = fakeTable([], null);
    expect(await reconcileTable(t.table, { latestSnapshotId: null, current: null })).toEqual({ current: null, published: [], expired: [] });
    expect(t.calls).toEqual([]);
  });

  it('lists the snapshots as soon as the two sides disagree, whatever the caller believed: a committed snapshot is rolled forward', async () => {
    // The control plane's latest is B, staged on A; the table shows A (a crash between commit and publish, or a
    // hand that rolled the table back).
    const t = fakeTable([snap(A, null), snap(B, A, 'jobplane-j-1')], A);
    const res = await reconcileTable(t.table, { latestSnapshotId: jobplaneSnapshotId(B) });
    expect(res.published).toEqual([B]);
    expect(t.now()).toBe(B);
    expect(t.calls).toEqual(['current', 'snapshots', `cherrypick ${B}`]);
  });

  it('publishes a known staged snapshot whose parent is current without listing (the publish after a completion)', async () => {
    const staged = snap(B, A, 'jobplane-j-1');
    const t = fakeTable([snap(A, null), staged], A);
    const res = await reconcileTable(t.table, { latestSnapshotId: jobplaneSnapshotId(B), known: [staged] });
    expect(res).toEqual({ current: B, published: [B], expired: [] });
    expect(t.calls).toEqual(['current', `cherrypick ${B}`]);
  });

  it('takes the full path when the known snapshot\'s parent is no longer current (the table moved behind its back)', async () => {
    // C was staged on B, and the control plane committed B then C; someone rolled the table back to A.
    const staged = snap(C, B, 'jobplane-j-2');
    const t = fakeTable([snap(A, null), snap(B, A, 'jobplane-j-1'), staged], A);
    const res = await reconcileTable(t.table, { latestSnapshotId: jobplaneSnapshotId(C), known: [staged] });
    expect(res.published).toEqual([B, C]);
    expect(t.now()).toBe(C);
    expect(t.calls).toEqual(['current', 'snapshots', `cherrypick ${B}`, `cherrypick ${C}`]);
  });

  it('rolls back a table ahead of the control plane, and refuses what it cannot explain', async () => {
    const ahead = fakeTable([snap(A, null), snap(B, A)], B);
    await reconcileTable(ahead.table, { latestSnapshotId: jobplaneSnapshotId(A), current: B });
    expect(ahead.calls).toEqual(['snapshots', `rollback ${A}`]);
    expect(ahead.now()).toBe(A);

    const foreign = fakeTable([snap(A, null)], A);
    await expect(reconcileTable(foreign.table, { latestSnapshotId: null, current: A })).rejects.toThrow(/has a current snapshot .* but the control plane has no snapshot/);
    const missing = fakeTable([snap(A, null)], A);
    await expect(reconcileTable(missing.table, { latestSnapshotId: 12345 })).rejects.toThrow(/snapshot 12345 .* is not in/);
  });

  it('sweeps orphans when asked to: it then lists the snapshots even when the sides agree', async () => {
    const t = fakeTable([snap(A, null), snap(B, null, 'jobplane-j-1', 1_000)], A);
    const res = await reconcileTable(t.table, {
      latestSnapshotId: jobplaneSnapshotId(A), orphanAgeMs: 10, now: 100_000, isCommitted: async () => false,
    });
    expect(res.expired).toEqual([B]);
    expect(t.calls).toEqual(['current', 'snapshots', `expire ${B}`]);
  });
});

describe('orphan candidates', () => {
  it('are old staged jobplane snapshots that are neither current nor its ancestors', () => {
    const list = [
      snap(A, null, 'jobplane-j-1', 0), // ancestor of current
      snap(B, A, 'jobplane-j-2', 0), // current
      snap(C, A, 'jobplane-j-3', 0), // a sibling: staged, never published
      snap('5', A, 'jobplane-j-4', 99_990), // too young
      snap('6', A, 'someone-else', 0), // not jobplane's
    ];
    expect(orphanCandidates(list, B, 1_000, 100_000).map((s) => s.snapshotId)).toEqual([C]);
    expect(orphanCandidates(list, null, 1_000, 100_000).map((s) => s.snapshotId)).toEqual([A, B, C]);
  });
});

describe('currentOf (SHOW TBLPROPERTIES of an Iceberg table)', () => {
  it('reads current-snapshot-id: an id, none, or not shown', () => {
    expect(currentOf({ 'current-snapshot-id': '7146490184245763066', format: 'iceberg/parquet' })).toBe('7146490184245763066');
    expect(currentOf({ 'current-snapshot-id': 'none' })).toBeNull();
    expect(currentOf({ format: 'delta' })).toBeUndefined();
  });
});
