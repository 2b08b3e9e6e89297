import { notFound } from '../core/errors.js';
import type { Queryable } from '../store/db/types.js';
import { datasetGet, datasetGetOnPlane, type Dataset } from '../store/datasets.js';
import type { Identity } from './plugins/auth.js';

/**
 * The dataset a request names, as its caller may see it: a user token its company's datasets, an operator token
 * the datasets of its plane (it reads their data). Anything else is a 404, as for an id that does not exist.
 */
export async function visibleDataset(db: Queryable, identity: Identity, id: number): Promise<Dataset> {
  const dataset = identity.dataPlaneId !== null
    ? await datasetGetOnPlane(db, identity.dataPlaneId, id)
    : await datasetGet(db, identity.companyId, id);
  if (!dataset) throw notFound(`dataset ${id}`);
  return dataset;
}
