/**
 * How a query's output row count responds to sampling its inputs, read from DuckDB's physical plan.
 *
 * - linear:  scans, filters, projections, ORDER BY, UNION ALL, UNNEST. Every output row comes from one input
 *            row, so counting on a row sample at rate r and dividing by r is unbiased.
 * - grouped: a GROUP BY / DISTINCT at the top (under projections and ORDER BY only) over a linear subtree.
 *            The group count does NOT scale linearly: a group of n rows survives a sample with probability
 *            1-(1-r)^n, so the sample count lies between the true count times r (all singleton groups) and the
 *            true count (all big groups). See estimateGroups in forecast.ts.
 * - other:   windows (LAG over a sample pairs different rows), joins (a sampled pair survives with r^2),
 *            LIMIT, HAVING, global aggregates, set operations, anything we do not recognise. These are counted
 *            exactly, never sampled.
 */
import type { QueryOptions, SqlRunner } from './duck-session.js';

export type ForecastShape = 'linear' | 'grouped' | 'other';

export interface PlanNode {
  name: string;
  children: PlanNode[];
}

const LINEAR = new Set([
  'PROJECTION',
  'FILTER',
  'ORDER_BY',
  'UNION',
  'UNNEST',
  'READ_PARQUET',
  'PARQUET_SCAN',
  'TABLE_SCAN',
  'SEQ_SCAN',
  'EMPTY_RESULT',
  'CTE',
  'CTE_SCAN',
]);

const GROUPING = new Set(['HASH_GROUP_BY', 'PERFECT_HASH_GROUP_BY', 'PARTITIONED_AGGREGATE']);

/** Operators that may sit above the grouping without changing the number of groups. */
const TRANSPARENT = new Set(['PROJECTION', 'ORDER_BY']);

export async function forecastShape(engine: SqlRunner, sql: string, options: QueryOptions = {}): Promise<ForecastShape> {
  const rows = await engine.run(`EXPLAIN (FORMAT json) ${sql}`, options);
  const physical = rows.find((r) => r['explain_key'] === 'physical_plan') ?? rows[0];
  const text = physical?.['explain_value'];
  if (typeof text !== 'string') return 'other';
  return classifyPlan(parsePlan(JSON.parse(text)));
}

export function classifyPlan(roots: PlanNode[]): ForecastShape {
  const root = roots.length === 1 ? roots[0] : undefined;
  if (root === undefined) return 'other';
  if (allLinear(root)) return 'linear';
  let node = root;
  while (TRANSPARENT.has(node.name) && node.children.length === 1 && node.children[0] !== undefined) {
    node = node.children[0];
  }
  // A FILTER between the top and the grouping is a HAVING: not transparent, so we end up in 'other'.
  if (GROUPING.has(node.name) && node.children.every(allLinear)) return 'grouped';
  return 'other';
}

function allLinear(node: PlanNode): boolean {
  return LINEAR.has(node.name) && node.children.every(allLinear);
}

function parsePlan(value: unknown): PlanNode[] {
  if (!Array.isArray(value)) return [];
  return value.map(parseNode);
}

function parseNode(value: unknown): PlanNode {
  const record = (value ?? {}) as { name?: unknown; children?: unknown };
  return {
    name: typeof record.name === 'string' ? record.name.trim().toUpperCase() : 'UNKNOWN',
    children: parsePlan(record.children),
  };
}
