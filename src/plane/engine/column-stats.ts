/**
 * Column statistics of a snapshot: per column, nested attributes included (dotted paths such as
 * `geographic_location.latitude`): row count, null count, approximate distinct count, min and max.
 *
 * All of it comes from ONE aggregate query over the snapshot's files, so the files are scanned once whatever
 * the number of columns. Values are JSON-safe (see json-values.ts). Choices:
 * - A nested attribute is null when it or any parent object is null; its null_count counts both.
 * - Object attributes get row and null counts only; their leaves carry the rest.
 * - Arrays get row, null and approximate distinct counts (of whole arrays); min/max are null, since an
 *   element-wise order of arrays means little to a reader. Array items are not descended into.
 * - String min/max are cut to 256 characters so one long value cannot bloat the stats row.
 */
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { datasetRelationSql } from '../storage/bind-datasets.js';
import { attributeOfDuckType } from '../engine/duckdb-types.js';
import { describeAttribute, type DatasetSchema } from '../../core/dataset-schema.js';
import { MAX_STRING_STAT, type SnapshotStats } from '../../core/column-stats.js';

import type { QueryOptions, SqlRunner } from './duck-session.js';
import type { JsonValue } from './json-values.js';
import { sqlIdent, sqlString } from './sql-text.js';

export interface StatsInput {
  /** The snapshot's Parquet files (its manifest). */
  files: readonly string[];
  /** Used only to type an empty snapshot. */
  schema: DatasetSchema;
}

type StatsShape = 'object' | 'array' | 'string' | 'scalar';

interface Leaf {
  path: string;
  expr: string;
  type: DuckDBType;
  shape: StatsShape;
}


export async function computeColumnStats(
  engine: SqlRunner,
  input: StatsInput,
  options: QueryOptions = {},
): Promise<SnapshotStats> {
  const relation = datasetRelationSql(input);
  const columns = await engine.describe(relation, options);
  const leaves = columns.flatMap((c) => flatten(c.name, sqlIdent(c.name), c.type));

  const aggregates = ['count(*) AS n'];
  leaves.forEach((leaf, i) => aggregates.push(...aggregatesFor(leaf, i)));
  const rows = await engine.run(`SELECT ${aggregates.join(', ')} FROM (${relation}) AS snapshot`, options);
  const row = rows[0] ?? {};
  const rowCount = Number(row['n'] ?? 0);

  return {
    row_count: rowCount,
    columns: leaves.map((leaf, i) => ({
      path: leaf.path,
      type: typeName(leaf.type),
      row_count: rowCount,
      null_count: rowCount - Number(row[`c${i}`] ?? 0),
      approx_distinct_count: leaf.shape === 'object' ? null : Number(row[`d${i}`] ?? 0),
      min: leaf.shape === 'object' || leaf.shape === 'array' ? null : (row[`lo${i}`] ?? null),
      max: leaf.shape === 'object' || leaf.shape === 'array' ? null : (row[`hi${i}`] ?? null),
    })),
  };
}

/** The column itself, then (for objects) every nested attribute, depth first. */
function flatten(path: string, expr: string, type: DuckDBType): Leaf[] {
  if (type.typeId === DuckDBTypeId.STRUCT) {
    const children = type.entryNames.flatMap((name, i) => {
      const child = type.entryTypes[i];
      return child === undefined ? [] : flatten(`${path}.${name}`, `${expr}[${sqlString(name)}]`, child);
    });
    return [{ path, expr, type, shape: 'object' }, ...children];
  }
  const shape: StatsShape =
    type.typeId === DuckDBTypeId.LIST || type.typeId === DuckDBTypeId.ARRAY || type.typeId === DuckDBTypeId.MAP
      ? 'array'
      : type.typeId === DuckDBTypeId.VARCHAR
        ? 'string'
        : 'scalar';
  return [{ path, expr, type, shape }];
}

function aggregatesFor(leaf: Leaf, i: number): string[] {
  const e = leaf.expr;
  const out = [`count(${e}) AS c${i}`];
  if (leaf.shape === 'object') return out;
  out.push(`approx_count_distinct(${e}) AS d${i}`);
  if (leaf.shape === 'string') {
    out.push(`left(min(${e}), ${MAX_STRING_STAT}) AS lo${i}`, `left(max(${e}), ${MAX_STRING_STAT}) AS hi${i}`);
  } else if (leaf.shape === 'scalar') {
    out.push(`min(${e}) AS lo${i}`, `max(${e}) AS hi${i}`);
  }
  return out;
}

function typeName(type: DuckDBType): string {
  try {
    const t = attributeOfDuckType(type);
    return t.type === 'object' ? 'object' : describeAttribute(t);
  } catch {
    return type.toString();
  }
}
