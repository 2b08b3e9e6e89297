/**
 * Iceberg snapshot ids <-> jobplane snapshot ids.
 *
 * Iceberg draws snapshot ids at random from [0, 2^63) (SnapshotIdGeneratorUtil) and offers no way to choose them;
 * the control plane keeps snapshot ids below 2^53 so that JSON clients never round them (0002_datasets.sql's CHECK).
 * A Spark plane's jobplane snapshot id is therefore the Iceberg id's low 53 bits: a pure function of the Iceberg id
 * (equal to it for ids below 2^53), so either side can be found from the other without a mapping table. The other
 * way round, the table's `snapshots` metadata is searched for the one Iceberg id with those low bits. The exact
 * Iceberg id also travels in the job's result (`iceberg_snapshot_id`, a decimal string).
 *
 * Two Iceberg snapshots whose ids share their low 53 bits (about n^2 / 2^54 for n snapshots, i.e. never in
 * practice) would collide on the control plane's primary key: that commit fails and the attempt is retried.
 */
const LOW_53 = (1n << 53n) - 1n;

export function jobplaneSnapshotId(icebergSnapshotId: string | bigint): number {
  const id = BigInt(icebergSnapshotId);
  if (id < 0n) throw new Error(`not an Iceberg snapshot id: ${icebergSnapshotId}`);
  return Number(id & LOW_53);
}

export function matchesJobplaneId(icebergSnapshotId: string | bigint, jobplaneId: number): boolean {
  return jobplaneSnapshotId(icebergSnapshotId) === jobplaneId;
}
