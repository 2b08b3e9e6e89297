import type { JsonObject } from '../../client/types.js';
import { computeColumnStats } from '../engine/column-stats.js';
import { completeWith } from '../operator/job-completion.js';
import type { HandlerEnv, JobHandler } from '../operator/types.js';
import { toAbsolute } from './data-plane.js';
import { planeResources } from './plane-engine.js';

interface RecalculationInput {
  dataset_id: number;
  snapshot_id: number;
  recalculation_id: string;
}

/**
 * The built-in `datasets_calculate_column_stats` handler (`POST /datasets/{id}/columns-stats/recalculate`): computes
 * the column statistics of the snapshot its input names, in one scan of the snapshot's files, and completes with
 * them; the control plane stores them under the job's recalculation id in the same transaction as the completion.
 */
export default async function columnStatsHandler(env: HandlerEnv): Promise<JobHandler> {
  const resources = await planeResources(env);
  return {
    type: 'datasets_calculate_column_stats',
    async run(job, ctx) {
      const input = job.input as unknown as RecalculationInput;
      const dataset = await resources.catalog.dataset(input.dataset_id, ctx.signal);
      const snapshot = await resources.catalog.snapshot(input.dataset_id, input.snapshot_id, ctx.signal);
      ctx.progress({ phase: 'stats', rows: snapshot.row_count, files: snapshot.files.length });
      const session = await resources.engine.session();
      try {
        const stats = await computeColumnStats(session, {
          files: snapshot.files.map((f) => toAbsolute(resources.storageRoot, f.path)), schema: dataset.schema,
        }, { signal: ctx.signal });
        ctx.log.info({ dataset_id: input.dataset_id, snapshot_id: input.snapshot_id, columns: stats.columns.length }, 'column statistics computed');
        const result = { dataset_id: input.dataset_id, snapshot_id: input.snapshot_id, recalculation_id: input.recalculation_id, row_count: stats.row_count };
        return completeWith(result, {
          columnStats: { recalculation_id: input.recalculation_id, snapshot_id: input.snapshot_id, stats: stats as unknown as JsonObject },
          inputs: [{ dataset_id: input.dataset_id, snapshot_id: input.snapshot_id }],
        }) as never;
      } finally {
        await session.close();
      }
    },
  };
}
