import type { FastifyInstance } from 'fastify';
import { visibleDataset as visibleDatasetOf } from '../visible-dataset.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { RowsResult } from '../schemas/job-inputs.js';
import { DomainError, notFound } from '../../core/errors.js';
import { validateDatasetSchema } from '../../nql/schema.js';
import type { DatasetSchema } from '../../core/dataset-schema.js';
import { datasetCreate, datasetGet, datasetGetOnPlane, datasetList, type Dataset } from '../../store/datasets.js';
import { columnStatsGet, snapshotGet, snapshotList } from '../../store/snapshots.js';
import { companyGet } from '../../store/companies.js';
import { dataPlaneGet } from '../../store/data-planes.js';
import { identityOf, type Identity } from '../plugins/auth.js';
import { pageOf, pageOfRecords } from '../pagination.js';
import { problemResponses } from '../schemas/common.js';
import { MAX_PREVIEW_ROWS } from '../../core/job-types.js';
import { readSnapshotRows } from '../plane-reads.js';
import { requestLifetime } from '../request-lifetime.js';
import {
  ColumnStats, CreateDatasetBody, DatasetParams, ListQuery, Page, RowsPage, RowsQuery, Snapshot, SnapshotParams,
} from '../schemas/datasets.js';

const READ = { auth: { resource: 'datasets', access: 'read' } } as const;
const WRITE = { auth: { resource: 'datasets', access: 'write' } } as const;

export default async function datasetRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['datasets'];

  const visibleDataset = (identity: Identity, id: number): Promise<Dataset> => visibleDatasetOf(app.db, identity, id);

  app.post('/datasets', {
    config: WRITE,
    schema: { tags, summary: 'Create a dataset', body: CreateDatasetBody, response: { 201: Type.Ref('Dataset'), ...problemResponses(400, 401, 403, 409) } },
  }, async (request, reply) => {
    const identity = identityOf(request);
    const b = request.body;
    const schemaErrors = validateDatasetSchema(b.schema, '/schema');
    if (schemaErrors.length > 0) {
      throw new DomainError('validation_failed', `body${schemaErrors[0]!.pointer} ${schemaErrors[0]!.message}`, {
        errors: schemaErrors.map((e) => ({ in: 'body', ...e })),
      });
    }
    let planeId = b.data_plane_id;
    if (planeId !== undefined) {
      if (!(await dataPlaneGet(app.db, identity.companyId, planeId))) {
        throw new DomainError('validation_failed', `data plane ${planeId} was not found`, {
          errors: [{ in: 'body', pointer: '/data_plane_id', message: 'is not a data plane of your company' }],
        });
      }
    } else {
      planeId = (await companyGet(app.db, identity.companyId))?.default_data_plane_id ?? undefined;
      if (!planeId) throw new DomainError('validation_failed', 'your company has no default data plane; pass data_plane_id');
    }
    const dataset = await datasetCreate(app.db, {
      companyId: identity.companyId, dataPlaneId: planeId, name: b.name, displayName: b.display_name ?? b.name,
      description: b.description ?? null, schema: b.schema as DatasetSchema /* validated above */, status: 'active',
      writeMode: b.write_mode ?? 'append', tags: [], retentionPolicy: { type: 'retain_everything' }, materializedViewConfig: null,
    });
    if (!dataset) throw new DomainError('conflict', `a dataset named "${b.name}" already exists`);
    return reply.status(201).send(dataset);
  });

  app.get('/datasets', {
    config: READ,
    schema: { tags, summary: 'List datasets', querystring: ListQuery, response: { 200: Page(Type.Ref('Dataset')), ...problemResponses(400, 401, 403) } },
  }, async (request) => {
    const { limit, offset, page } = pageOf(request.query);
    const identity = identityOf(request);
    const { records, total } = await datasetList(app.db, identity.companyId, limit, offset, identity.dataPlaneId);
    return pageOfRecords(page, limit, total, records);
  });

  app.get('/datasets/:dataset_id', {
    config: READ,
    schema: { tags, summary: 'Get a dataset', params: DatasetParams, response: { 200: Type.Ref('Dataset'), ...problemResponses(400, 401, 403, 404) } },
  }, async (request) => visibleDataset(identityOf(request), request.params.dataset_id));

  app.get('/datasets/:dataset_id/snapshots', {
    config: READ,
    schema: { tags, summary: 'List a dataset\'s snapshots', description: 'Newest first.', params: DatasetParams, querystring: ListQuery, response: { 200: Page(Snapshot), ...problemResponses(400, 401, 403, 404) } },
  }, async (request) => {
    const dataset = await visibleDataset(identityOf(request), request.params.dataset_id);
    const { limit, offset, page } = pageOf(request.query);
    const { records, total } = await snapshotList(app.db, dataset.id, limit, offset);
    return pageOfRecords(page, limit, total, records);
  });

  app.get('/datasets/:dataset_id/snapshots/:snapshot_id', {
    config: READ,
    schema: { tags, summary: 'Get a snapshot', params: SnapshotParams, response: { 200: Snapshot, ...problemResponses(400, 401, 403, 404) } },
  }, async (request) => {
    const dataset = await visibleDataset(identityOf(request), request.params.dataset_id);
    const snapshot = await snapshotGet(app.db, dataset.id, request.params.snapshot_id);
    if (!snapshot) throw notFound(`snapshot ${request.params.snapshot_id} of dataset ${dataset.id}`);
    return snapshot;
  });

  app.get('/datasets/:dataset_id/snapshots/:snapshot_id/rows', {
    config: READ,
    schema: {
      tags, summary: 'Read a page of a snapshot\'s rows',
      description: `At most ${MAX_PREVIEW_ROWS} rows, in the order of the snapshot's files, nested attributes as objects. ` +
        'The control plane does not read plane storage: the snapshot\'s data plane reads them (a datasets_sample job, ' +
        'shown in the job list) and this request waits for it, up to 30 s (then 503 naming the job; ask again).',
      params: SnapshotParams, querystring: RowsQuery,
      response: { 200: RowsPage, ...problemResponses(400, 401, 403, 404, 503) },
    },
  }, async (request, reply) => {
    const identity = identityOf(request);
    const dataset = await visibleDataset(identity, request.params.dataset_id);
    const snapshot = await snapshotGet(app.db, dataset.id, request.params.snapshot_id);
    if (!snapshot) throw notFound(`snapshot ${request.params.snapshot_id} of dataset ${dataset.id}`);
    const job = await readSnapshotRows(app, identity, { datasetId: dataset.id, dataPlaneId: dataset.data_plane_id, snapshotId: snapshot.snapshot_id },
      { limit: request.query.limit ?? 100, offset: request.query.offset ?? 0 }, requestLifetime(app, reply));
    return { dataset_id: dataset.id, snapshot_id: snapshot.snapshot_id, job_id: job.job_id, ...(job.result as Static<typeof RowsResult>) };
  });

  app.get('/datasets/:dataset_id/snapshots/:snapshot_id/column-stats', {
    config: READ,
    schema: { tags, summary: 'Column statistics of a snapshot', params: SnapshotParams, response: { 200: ColumnStats, ...problemResponses(400, 401, 403, 404) } },
  }, async (request) => {
    const dataset = await visibleDataset(identityOf(request), request.params.dataset_id);
    const stats = await columnStatsGet(app.db, dataset.id, request.params.snapshot_id);
    if (!stats) throw notFound(`column statistics of snapshot ${request.params.snapshot_id}`);
    return { ...stats, dataset_id: dataset.id, snapshot_id: request.params.snapshot_id };
  });
}
