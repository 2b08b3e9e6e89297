import { materializeOnSpark } from '../materialize.js';
import { sparkPlane } from '../spark-plane.js';
import type { HandlerEnv, JobHandler } from '../../operator/types.js';

/** The Spark plane's `materialize-view`: a staged Iceberg snapshot, committed with the job, then published. */
export default async function materializeViewOnSpark(env: HandlerEnv): Promise<JobHandler> {
  const plane = await sparkPlane(env);
  return {
    type: 'materialize-view',
    run: (job, ctx) => materializeOnSpark(job, plane, ctx) as never,
  };
}
