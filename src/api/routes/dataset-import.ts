import type { FastifyInstance } from 'fastify';
import { visibleDataset } from '../visible-dataset.js';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError, notFound } from '../../core/errors.js';
import { companyGet } from '../../store/companies.js';
import { datasetGet, datasetsResolve } from '../../store/datasets.js';
import { importAsNewDataset, importerFor, importIntoDataset } from '../dataset-import.js';
import { identityOf } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import { DatasetParams, ImportCreateQuery, ImportQuery, Snapshot } from '../schemas/datasets.js';

const WRITE = { auth: { resource: 'datasets', access: 'write' } } as const;

const BODY_DOC = 'The file as the raw request body (format from `?format=` or the Content-Type: text/csv, ' +
  'application/x-ndjson, application/vnd.apache.parquet), or `multipart/form-data` with one or more file parts (format ' +
  'from each filename\'s extension: .csv .tsv .jsonl .ndjson .json .parquet, optionally .gz/.zst). Streamed to disk; ' +
  'at most JOBPLANE_IMPORT_LIMIT bytes in all (413 above). Only where this server holds the dataset\'s data plane ' +
  '(the embedded plane of `jobplane serve`); elsewhere 409. A bad file gets 400 naming the file, line and column, ' +
  'and nothing is committed.';

/**
 * Loading files into datasets. Its own plugin scope: the bodies here are files, streamed to disk, not JSON, so this
 * scope swaps the app's JSON-only body parsing for a pass-through (raw bodies) and multipart.
 */
export default async function datasetImportRoutes(fastify: FastifyInstance): Promise<void> {
  fastify.removeAllContentTypeParsers();
  // Leave the body unread: the handler streams request.raw to disk after auth and validation passed.
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null));
  await fastify.register(multipart, {
    limits: { fileSize: fastify.apiConfig.importLimitBytes, files: 10_000, fields: 0, parts: 10_000 },
  });
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['datasets'];

  app.post('/datasets/:dataset_id/import', {
    config: WRITE,
    schema: {
      tags, summary: 'Import files into a dataset as a new snapshot',
      description: `Appends the rows to the dataset (or replaces them, per its write_mode), checked against its schema. ${BODY_DOC}`,
      params: DatasetParams, querystring: ImportQuery,
      response: { 201: Snapshot, ...problemResponses(400, 401, 403, 404, 409, 413) },
    },
  }, async (request, reply) => {
    const identity = identityOf(request);
    const dataset = await visibleDataset(app.db, identity, request.params.dataset_id);
    if (dataset.materialized_view_config !== null) {
      throw new DomainError('conflict', `dataset ${dataset.id} is a materialized view: its snapshots come from its query, not from imports`);
    }
    const snapshot = await importIntoDataset(app, request, reply, dataset, request.query.format);
    return reply.status(201).send(snapshot);
  });

  app.post('/datasets/import', {
    config: WRITE,
    schema: {
      tags, summary: 'Create a dataset from files',
      description: `Creates a dataset on your company's default data plane whose schema is inferred from the files, with them as its first snapshot, in one transaction. ${BODY_DOC}`,
      querystring: ImportCreateQuery,
      response: {
        201: Type.Object({ dataset: Type.Ref('Dataset'), snapshot: Snapshot }, { additionalProperties: false }),
        ...problemResponses(400, 401, 403, 409, 413),
      },
    },
  }, async (request, reply) => {
    const identity = identityOf(request);
    const q = request.query;
    const planeId = identity.dataPlaneId ?? (await companyGet(app.db, identity.companyId))?.default_data_plane_id;
    if (!planeId) throw new DomainError('validation_failed', 'your company has no default data plane');
    // Refuse before receiving a large upload what would be refused after it.
    const importer = importerFor(app, planeId, 'your company\'s default data plane');
    if ((await datasetsResolve(app.db, identity.companyId, [], [q.name])).length > 0) throw new DomainError('conflict', `a dataset named "${q.name}" already exists`);
    const created = await importAsNewDataset(app, request, reply, identity, importer, {
      name: q.name, displayName: q.display_name ?? q.name, description: q.description ?? null, writeMode: q.write_mode ?? 'append',
    }, q.format);
    return reply.status(201).send(created);
  });
}
