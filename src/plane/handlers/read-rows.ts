import type { JobInputRef } from '../../client/types.js';
import { MAX_PREVIEW_ROWS } from '../../core/job-types.js';
import { withoutTrailingSemicolons } from '../engine/sql-text.js';
import type { JsonRow } from '../engine/json-values.js';
import { bindInputs } from './bind-inputs.js';
import type { DataPlaneResources } from './data-plane.js';

export interface RowsResult {
  [key: string]: unknown;
  columns: Array<{ name: string; type: string }>;
  rows: JsonRow[];
  row_count: number;
}

/**
 * Runs one SELECT over the job's bound inputs and returns at most MAX_PREVIEW_ROWS rows as JSON: what the rows
 * endpoint (datasets_sample) and a bare SELECT (nql-preview) both need. Nested attributes come back as objects,
 * integers as numbers while exact, timestamps as ISO 8601 (src/plane/engine/json-values.ts). The control plane
 * never reads plane storage: this handler, on the plane, does.
 */
export async function readRows(
  sql: string, inputs: readonly JobInputRef[], resources: DataPlaneResources, signal: AbortSignal,
): Promise<RowsResult> {
  const session = await resources.engine.session();
  try {
    await bindInputs(session, resources, inputs, signal);
    const query = withoutTrailingSemicolons(sql);
    const columns = await session.describe(query, { signal });
    // The outer LIMIT is the plane's own bound: a result row set never exceeds one page, whatever the SQL says.
    const rows = await session.run(`SELECT * FROM (${query}) AS q LIMIT ${MAX_PREVIEW_ROWS}`, { signal });
    return { columns: columns.map((c) => ({ name: c.name, type: c.type.toString() })), rows, row_count: rows.length };
  } finally {
    await session.close();
  }
}
