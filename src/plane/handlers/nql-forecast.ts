import { forecast } from '../engine/forecast.js';
import { bindInputs } from './bind-inputs.js';
import type { DataPlaneResources } from './data-plane.js';
import { planeResources } from './plane-engine.js';
import type { HandlerEnv, JobHandler } from '../operator/types.js';
import type { JobInputRef, JsonObject } from '../../client/types.js';

export interface ForecastInput {
  nql: string;
  compiled_sql: string;
}

/**
 * Runs an nql-forecast job: how many rows the query returns and what they cost, in micro-cents USD. A dataset
 * costs its `_price_cpm_usd` x 100,000 per row to other companies; a company's own data is free. Exact on small
 * inputs, sampled above a million input rows (docs/forecast.md has the estimator and its measured error).
 */
export async function forecastJob(
  input: ForecastInput, inputs: readonly JobInputRef[], companyId: number, resources: DataPlaneResources, signal: AbortSignal,
): Promise<{ rows: number; cost: number; nql_type: 'forecast'; type: 'success'; [k: string]: unknown }> {
  const session = await resources.engine.session();
  try {
    const bound = await bindInputs(session, resources, inputs, signal);
    const result = await forecast(session, input.compiled_sql, bound.map((i) => ({
      ...i,
      priceMicroCentsPerRow: i.info.company_id === companyId ? 0 : Math.round(i.info.price_cpm_usd * 100_000),
    })), { signal });
    return {
      rows: result.rows, cost: Math.round(result.cost), nql_type: 'forecast', type: 'success',
      sampled: result.sampled, sample_rate: result.sample_rate, method: result.method,
      rows_low: result.rows_low, rows_high: result.rows_high,
    };
  } finally {
    await session.close();
  }
}

/** The built-in `nql-forecast` handler. */
export default async function nqlForecastHandler(env: HandlerEnv): Promise<JobHandler> {
  const resources = await planeResources(env);
  return {
    type: 'nql-forecast',
    async run(job, ctx) {
      return (await forecastJob(job.input as unknown as ForecastInput, job.inputs, job.company_id, resources, ctx.signal)) as JsonObject;
    },
  };
}
