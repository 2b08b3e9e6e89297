import type { JsonObject } from '../../client/types.js';
import { datasetRelationName, sqlIdent } from '../engine/sql-text.js';
import type { HandlerEnv, JobHandler } from '../operator/types.js';
import { planeResources } from './plane-engine.js';
import { readRows } from './read-rows.js';

interface SampleInput {
  dataset_id: number;
  snapshot_id: number;
  limit: number;
  offset: number;
}

/**
 * The built-in `datasets_sample` handler: one page of one snapshot's rows (its inputs pin that snapshot), in the
 * order of the snapshot's files, for `GET /datasets/{id}/snapshots/{sid}/rows` and `jobplane dataset rows|export`.
 */
export default async function datasetsSampleHandler(env: HandlerEnv): Promise<JobHandler> {
  const resources = await planeResources(env);
  return {
    type: 'datasets_sample',
    async run(job, ctx) {
      const input = job.input as unknown as SampleInput;
      const relation = sqlIdent(datasetRelationName(input.dataset_id));
      const page = await readRows(`SELECT * FROM ${relation} LIMIT ${Math.trunc(input.limit)} OFFSET ${Math.trunc(input.offset)}`,
        job.inputs, resources, ctx.signal);
      const snapshot = await resources.catalog.snapshot(input.dataset_id, input.snapshot_id, ctx.signal);
      return { ...page, offset: input.offset, limit: input.limit, total_rows: snapshot.row_count } as JsonObject;
    },
  };
}
