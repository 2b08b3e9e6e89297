import { forecastOnSpark } from '../forecast.js';
import { sparkPlane } from '../spark-plane.js';
import type { HandlerEnv, JobHandler } from '../../operator/types.js';
import type { JsonObject } from '../../../client/types.js';

/** The Spark plane's `nql-forecast`: an exact count of the compiled query's rows, priced per input dataset. */
export default async function nqlForecastOnSpark(env: HandlerEnv): Promise<JobHandler> {
  const plane = await sparkPlane(env);
  return {
    type: 'nql-forecast',
    run: async (job, ctx) => (await forecastOnSpark(job, plane, ctx)) as unknown as JsonObject,
  };
}
