/**
 * Column statistics of an Iceberg snapshot, computed by Spark: the same shape and rules as the DuckDB plane's
 * (src/plane/engine/column-stats.ts): per column and nested attribute (dotted paths), row count, null count,
 * approx_count_distinct (HyperLogLog++, a few per cent), min and max; objects get counts only, arrays no min/max,
 * string min/max cut to 256 characters. One aggregate query over the snapshot (`VERSION AS OF`, so a staged
 * snapshot can be described before it is published).
 */
import { MAX_STRING_STAT, type SnapshotStats } from '../../../core/column-stats.js';
import { describeAttribute, type Attribute, type DatasetSchema } from '../../../core/dataset-schema.js';
import type { JsonValue } from '../../engine/json-values.js';
import { rowsOf } from '../arrow-values.js';
import type { SparkSession } from '../spark-connect.js';
import { sparkIdent } from './spark-sql.js';

type Shape = 'object' | 'array' | 'string' | 'scalar';
interface Leaf { path: string; expr: string; type: Attribute; shape: Shape }

export async function computeSparkColumnStats(
  session: SparkSession, table: string, icebergSnapshotId: string, schema: DatasetSchema, signal?: AbortSignal,
): Promise<SnapshotStats> {
  const leaves = Object.entries(schema.properties).flatMap(([name, t]) => flatten(name, sparkIdent(name), t));
  const aggregates = ['count(*) AS n'];
  leaves.forEach((leaf, i) => aggregates.push(...aggregatesFor(leaf, i)));
  const sql = `SELECT ${aggregates.join(', ')} FROM ${table} VERSION AS OF ${BigInt(icebergSnapshotId)}`;
  const row = rowsOf((await session.query(sql, { signal })).batches)[0] ?? {};
  const rowCount = Number(row['n'] ?? 0);
  return {
    row_count: rowCount,
    columns: leaves.map((leaf, i) => ({
      path: leaf.path,
      type: leaf.shape === 'object' ? 'object' : describeAttribute(leaf.type),
      row_count: rowCount,
      null_count: rowCount - Number(row[`c${i}`] ?? 0),
      approx_distinct_count: leaf.shape === 'object' ? null : Number(row[`d${i}`] ?? 0),
      min: leaf.shape === 'object' || leaf.shape === 'array' ? null : (row[`lo${i}`] ?? null),
      max: leaf.shape === 'object' || leaf.shape === 'array' ? null : (row[`hi${i}`] ?? null),
    })),
  };
}

function flatten(path: string, expr: string, type: Attribute): Leaf[] {
  if (type.type === 'object') {
    const children = Object.entries(type.properties).flatMap(([name, child]) => flatten(`${path}.${name}`, `${expr}.${sparkIdent(name)}`, child));
    return [{ path, expr, type, shape: 'object' }, ...children];
  }
  return [{ path, expr, type, shape: type.type === 'array' ? 'array' : type.type === 'string' ? 'string' : 'scalar' }];
}

function aggregatesFor(leaf: Leaf, i: number): string[] {
  const e = leaf.expr;
  const out = [`count(${e}) AS c${i}`];
  if (leaf.shape === 'object') return out;
  // HyperLogLog++ over arrays is not offered by Spark; their distinct count goes through a hash of the value.
  out.push(leaf.shape === 'array' ? `approx_count_distinct(hash(${e})) AS d${i}` : `approx_count_distinct(${e}) AS d${i}`);
  if (leaf.shape === 'string') {
    out.push(`left(min(${e}), ${MAX_STRING_STAT}) AS lo${i}`, `left(max(${e}), ${MAX_STRING_STAT}) AS hi${i}`);
  } else if (leaf.shape === 'scalar') {
    out.push(`min(${e}) AS lo${i}`, `max(${e}) AS hi${i}`);
  }
  return out;
}
