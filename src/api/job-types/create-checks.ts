import { bodyError, notFound } from '../../core/errors.js';
import type { JobInput } from '../../core/job.js';
import type { Queryable } from '../../store/db/types.js';
import { datasetsOfCompany, type Dataset } from '../../store/datasets.js';

/** What a create check sees: who asks, where the job will run, what it names. */
export interface CreateCheck {
  db: Queryable;
  companyId: number;
  dataPlaneId: string;
  input: Record<string, unknown>;
  inputs: JobInput[];
}


/**
 * The datasets a job names, looked up among the caller's company's datasets: an id of another company is "not
 * found", exactly like a made-up one, so a create never reveals another tenant's ids. A dataset on another data
 * plane than the job's is a 400: a job runs on one plane and reads and writes that plane's data only.
 */
export async function datasetsForJob(check: CreateCheck, ids: Array<{ id: number; pointer: string }>): Promise<Map<number, Dataset>> {
  const found = new Map((await datasetsOfCompany(check.db, check.companyId, ids.map((i) => i.id))).map((d) => [d.id, d]));
  for (const { id, pointer } of ids) {
    const dataset = found.get(id);
    if (!dataset) throw notFound(`dataset ${id} (${pointer.replace(/^\//, '').replace(/\//g, '.')})`);
    if (dataset.data_plane_id !== check.dataPlaneId) {
      throw bodyError(pointer, `names dataset ${id}, which lives on data plane ${dataset.data_plane_id}, not on the job's data plane ${check.dataPlaneId}`);
    }
  }
  return found;
}

/** Every job: the datasets in `inputs` are the caller's, on the job's plane, and listed once. */
export async function checkInputs(check: CreateCheck): Promise<void> {
  const seen = new Set<number>();
  check.inputs.forEach((input, i) => {
    if (seen.has(input.dataset_id)) throw bodyError(`/inputs/${i}/dataset_id`, `lists dataset ${input.dataset_id} twice`);
    seen.add(input.dataset_id);
  });
  await datasetsForJob(check, check.inputs.map((input, i) => ({ id: input.dataset_id, pointer: `/inputs/${i}/dataset_id` })));
}
