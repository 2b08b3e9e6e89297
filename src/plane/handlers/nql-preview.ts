import type { JsonObject } from '../../client/types.js';
import type { HandlerEnv, JobHandler } from '../operator/types.js';
import { planeResources } from './plane-engine.js';
import { readRows } from './read-rows.js';

/** The built-in `nql-preview` handler: a bare `SELECT ... LIMIT n` (n <= 1,000) run as compiled, its rows as the result. */
export default async function nqlPreviewHandler(env: HandlerEnv): Promise<JobHandler> {
  const resources = await planeResources(env);
  return {
    type: 'nql-preview',
    async run(job, ctx) {
      const input = job.input as unknown as { compiled_sql: string; limit: number };
      return { ...(await readRows(input.compiled_sql, job.inputs, resources, ctx.signal)), limit: input.limit } as JsonObject;
    },
  };
}
