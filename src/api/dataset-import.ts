/**
 * Loading files into datasets through the API, on the data plane whose storage this server holds:
 * stage the upload, convert it into a new snapshot directory (EmbeddedImporter), then commit the manifest in one
 * statement (or one transaction with the new dataset). Nothing is visible until that commit; on any error the
 * snapshot directory is deleted, and the staging directory always is.
 */
import { rm } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../core/errors.js';
import { ImportError, SchemaMismatchError } from '../plane/import/import-errors.js';
import type { EmbeddedImporter, ImportedSnapshot, StagedFile } from '../plane/import/embedded-importer.js';
import { ImportFormatError, type ImportFormat } from '../plane/import/import-format.js';
import type { NarrativeSchema } from '../plane/storage/narrative-schema.js';
import { manifestFor } from '../plane/storage/write-mode.js';
import { toRelative } from '../plane/handlers/data-plane.js';
import { datasetCreate, datasetGet, type Dataset } from '../store/datasets.js';
import { snapshotGet, snapshotInsert, type NewSnapshot, type Snapshot } from '../store/snapshots.js';
import type { Identity } from './plugins/auth.js';
import { requestLifetime } from './request-lifetime.js';
import { rawUploadFormat, receiveMultipartUpload, receiveRawUpload } from './uploads.js';

/** How often a commit is tried again when another writer committed a snapshot of the dataset meanwhile. */
const COMMIT_TRIES = 5;

export interface NewDatasetSpec {
  name: string;
  displayName: string;
  description: string | null;
  writeMode: 'append' | 'overwrite';
}

/** The importer, if this server holds the files of `dataPlaneId`; otherwise a 409 that says where to import. */
export function importerFor(app: FastifyInstance, dataPlaneId: string, what: string): EmbeddedImporter {
  const importer = app.importer;
  if (!importer) {
    throw new DomainError('conflict', `this server holds no data plane's files (it runs without a storage root), so it cannot import into ${what}`);
  }
  if (importer.dataPlaneId !== dataPlaneId) {
    throw new DomainError('conflict', `${what} lives on data plane ${dataPlaneId}; this server holds the files of data plane ${importer.dataPlaneId} only`);
  }
  return importer;
}

/** Appends (or overwrites, per the dataset's write_mode) a snapshot made of the uploaded files. */
export async function importIntoDataset(
  app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, dataset: Dataset, format: ImportFormat | undefined,
): Promise<Snapshot> {
  const importer = importerFor(app, dataset.data_plane_id, `dataset ${dataset.id}`);
  return withUpload(app, importer, request, reply, format, async (files, signal) => {
    const imported = await importer.importSnapshot(dataset.id, files, { format, schema: dataset.schema as unknown as NarrativeSchema, signal });
    return commitOrDiscard(imported, () => commitToDataset(app, dataset.company_id, dataset.id, importer.storageRoot, imported));
  });
}

/**
 * Creates a dataset whose schema is inferred from the uploaded files, with them as its first snapshot, on the plane
 * of `importer` (from importerFor, which the route asks before it checks the name).
 */
export async function importAsNewDataset(
  app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, identity: Identity, importer: EmbeddedImporter,
  spec: NewDatasetSpec, format: ImportFormat | undefined,
): Promise<{ dataset: Dataset; snapshot: Snapshot }> {
  const dataPlaneId = importer.dataPlaneId;
  return withUpload(app, importer, request, reply, format, async (files, signal) => {
    // The id is drawn before the dataset exists, so the files can be written under their final directory.
    const [{ id }] = await app.db.query<{ id: number }>(`SELECT nextval('datasets_id_seq')::int AS id`) as [{ id: number }];
    const imported = await importer.importSnapshot(id, files, { format, signal });
    return commitOrDiscard(imported, () => app.db.transaction(async (tx) => {
      const dataset = await datasetCreate(tx, {
        id, companyId: identity.companyId, dataPlaneId, name: spec.name, displayName: spec.displayName,
        description: spec.description, schema: imported.schema as unknown as Record<string, unknown>, status: 'active',
        writeMode: spec.writeMode, tags: [], retentionPolicy: { type: 'retain_everything' }, materializedViewConfig: null,
      });
      if (!dataset) throw new DomainError('conflict', `a dataset named "${spec.name}" already exists`);
      const snapshot = await snapshotInsert(tx, newSnapshot(id, null, imported, importer.storageRoot, null));
      if (!snapshot) throw new Error(`dataset ${id} got a snapshot before it was created`);
      return { dataset: { ...dataset, latest_snapshot_id: snapshot.snapshot_id }, snapshot };
    }));
  });
}

/** Receives the upload into a staging directory, runs `work`, and removes the staging directory whatever happens. */
async function withUpload<T>(
  app: FastifyInstance, importer: EmbeddedImporter, request: FastifyRequest, reply: FastifyReply,
  format: ImportFormat | undefined, work: (files: StagedFile[], signal: AbortSignal) => Promise<T>,
): Promise<T> {
  // A client that hangs up, or a server that shuts down, stops the conversion: nothing is committed.
  const signal = requestLifetime(app, reply);
  const dir = await importer.stagingDir();
  try {
    const limit = app.apiConfig.importLimitBytes;
    const files = request.isMultipart()
      ? await receiveMultipartUpload(request, dir, limit)
      : await receiveRawUpload(request, dir, rawUploadFormat(request, format), limit);
    return await work(files, signal);
  } catch (error) {
    throw asProblem(error);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function commitOrDiscard<T>(imported: ImportedSnapshot, commit: () => Promise<T>): Promise<T> {
  try {
    return await commit();
  } catch (error) {
    await imported.discard();
    throw error;
  }
}

/** One conditional statement per try: the snapshot's parent must still be the dataset's latest. */
async function commitToDataset(
  app: FastifyInstance, companyId: number, datasetId: number, storageRoot: string, imported: ImportedSnapshot,
): Promise<Snapshot> {
  for (let attempt = 1; attempt <= COMMIT_TRIES; attempt++) {
    const current = await datasetGet(app.db, companyId, datasetId);
    if (!current) throw new DomainError('not_found', `dataset ${datasetId} was not found`);
    const parent = current.latest_snapshot_id === null ? undefined : await snapshotGet(app.db, datasetId, current.latest_snapshot_id);
    const snapshot = await snapshotInsert(app.db, newSnapshot(datasetId, parent ?? null, imported, storageRoot, current.write_mode));
    if (snapshot) return snapshot;
  }
  throw new DomainError('conflict', `dataset ${datasetId} kept getting new snapshots while this import committed; try again`);
}

function newSnapshot(
  datasetId: number, parent: Snapshot | null, imported: ImportedSnapshot, storageRoot: string, writeMode: 'append' | 'overwrite' | null,
): NewSnapshot {
  const written = {
    files: imported.files.map((f) => ({ ...f, path: toRelative(storageRoot, f.path) })),
    rowCount: imported.rowCount, bytes: imported.bytes,
  };
  const mode = writeMode ?? 'append';
  const previous = parent && { files: parent.files, rowCount: parent.row_count, bytes: parent.bytes };
  const manifest = manifestFor(mode, previous, written);
  return {
    snapshotId: imported.snapshotId, datasetId, parentSnapshotId: parent?.snapshot_id ?? null, operation: mode,
    files: manifest.files, rowCount: manifest.rowCount, bytes: manifest.bytes, jobId: null, inputs: [],
  };
}

/** Bad files are the client's problem (400, saying which file, line and column); the rest passes through. */
function asProblem(error: unknown): unknown {
  if (error instanceof ImportError) {
    return new DomainError('validation_failed', error.message, {
      errors: [{
        in: 'body', pointer: '/', file: error.file,
        ...(error.line === null ? {} : { line: error.line }), ...(error.column === null ? {} : { column: error.column }),
        message: error.reason,
      }],
    });
  }
  if (error instanceof SchemaMismatchError) {
    return new DomainError('validation_failed', error.message, {
      errors: error.problems.map((p) => ({ in: 'body', pointer: '/', file: error.file, message: p })),
    });
  }
  if (error instanceof ImportFormatError) {
    return new DomainError('validation_failed', error.message, { errors: [{ in: 'query', pointer: '/format', message: error.message }] });
  }
  return error;
}
