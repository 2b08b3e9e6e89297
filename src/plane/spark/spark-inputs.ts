/**
 * Binding a Spark job's inputs. Compiled Spark SQL names its inputs `narrative.datasets.ds_<id>` and runs exactly
 * as compiled, so a query reads each table's current snapshot. Binding therefore means: make every input table's
 * current snapshot the control plane's latest (reconcile, rolling forward a committed-but-unpublished snapshot),
 * create the table empty if the dataset has no snapshot yet (so the query reads no rows instead of failing), and
 * record which snapshot that was (lineage). A job whose inputs pin an older snapshot cannot run its SQL as
 * compiled on Spark and fails (not retryable); previews of a snapshot use their own `VERSION AS OF` SQL instead.
 */
import type { Job } from '../../client/types.js';
import type { DatasetInfo } from '../handlers/data-plane.js';
import { FatalError } from '../operator/handler-errors.js';
import type { DatasetSchema } from '../../core/dataset-schema.js';
import { currentOf, IcebergTable } from './iceberg/iceberg-table.js';
import { reconcileTable } from './iceberg/reconcile.js';
import type { SparkSession } from './spark-connect.js';
import type { SparkPlane } from './spark-plane.js';
import { settleAll } from './settle-all.js';

export interface SparkInput {
  datasetId: number;
  info: DatasetInfo;
  /** The jobplane snapshot the query reads, or null for an empty dataset. */
  snapshotId: number | null;
  rowCount: number;
}

type JobInputs = Array<{ dataset_id: number; snapshot_id: number | null }>;

/** job.inputs: the datasets the control plane's analyzer resolved at create time (never read off the SQL text). */
export function declaredInputs(job: Job): JobInputs {
  return Array.isArray(job.inputs) ? job.inputs : [];
}

/**
 * Binds the inputs, all at once (each is a control-plane lookup and a reconcile of its own table: independent of
 * the others). A dataset named twice is bound once (and listed twice, as named). Waits for every binding to settle before it answers, so that no
 * statement of a failed binding still runs on the session when the caller releases it.
 */
export async function bindSparkInputs(
  session: SparkSession, plane: SparkPlane, inputs: JobInputs, signal: AbortSignal,
): Promise<SparkInput[]> {
  const byId = new Map<number, Promise<SparkInput>>();
  for (const input of inputs) {
    if (!byId.has(input.dataset_id)) byId.set(input.dataset_id, bindOne(session, plane, input, signal));
  }
  const settled = await settleAll<SparkInput[]>([...byId.values()]);
  const bound = new Map([...byId.keys()].map((id, i) => [id, settled[i]!]));
  return inputs.map((i) => bound.get(i.dataset_id)!);
}

async function bindOne(session: SparkSession, plane: SparkPlane, input: JobInputs[number], signal: AbortSignal): Promise<SparkInput> {
  const info = await plane.catalog.dataset(input.dataset_id, signal);
  if (input.snapshot_id !== null && input.snapshot_id !== info.latest_snapshot_id) {
    throw new FatalError(`input dataset ${info.id} is pinned to snapshot ${input.snapshot_id}, but a Spark job reads the ` +
      `table's current snapshot (${info.latest_snapshot_id ?? 'none'}) since its SQL runs exactly as compiled`);
  }
  const table = new IcebergTable(session, info.id);
  // A dataset with a snapshot has its table (reconcile says so if not); an empty one may not have it yet.
  const current = info.latest_snapshot_id === null ? currentOf(await table.ensure(info.schema as DatasetSchema, signal, plane.checkedTables)) : undefined;
  const [, snapshot] = await Promise.all([
    reconcileTable(table, { latestSnapshotId: info.latest_snapshot_id, current, signal, log: plane.log }),
    info.latest_snapshot_id === null ? null : plane.catalog.snapshot(info.id, info.latest_snapshot_id, signal),
  ]);
  return { datasetId: info.id, info, snapshotId: snapshot?.snapshot_id ?? null, rowCount: snapshot?.row_count ?? 0 };
}
