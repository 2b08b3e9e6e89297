import type { JsonObject } from '../../../client/types.js';
import type { HandlerEnv, JobHandler } from '../../operator/types.js';
import { previewOnSpark } from '../read-rows.js';
import { sparkPlane } from '../spark-plane.js';

/** The Spark plane's `nql-preview`: a bare `SELECT ... LIMIT n` run as compiled, its rows as the result. */
export default async function nqlPreviewOnSpark(env: HandlerEnv): Promise<JobHandler> {
  const plane = await sparkPlane(env);
  return {
    type: 'nql-preview',
    run: async (job, ctx) => (await previewOnSpark(job, plane, ctx, (job.input as { compiled_sql: string }).compiled_sql)) as unknown as JsonObject,
  };
}
