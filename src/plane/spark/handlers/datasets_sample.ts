import type { JsonObject } from '../../../client/types.js';
import type { HandlerEnv, JobHandler } from '../../operator/types.js';
import { sampleOnSpark } from '../read-rows.js';
import { sparkPlane } from '../spark-plane.js';

/** The Spark plane's `datasets_sample`: one page of one snapshot's rows (`VERSION AS OF` its Iceberg snapshot). */
export default async function datasetsSampleOnSpark(env: HandlerEnv): Promise<JobHandler> {
  const plane = await sparkPlane(env);
  return { type: 'datasets_sample', run: async (job, ctx) => (await sampleOnSpark(job, plane, ctx)) as unknown as JsonObject };
}
