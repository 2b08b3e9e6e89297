/**
 * Loading files into datasets through the API, on the data plane whose storage this server's importer holds:
 * stage the upload, convert it into a new snapshot (DatasetImporter), then commit the manifest in one statement (or
 * one transaction with the new dataset). Nothing is visible until that commit; on any error the snapshot's files
 * are deleted, and the staging directory always is.
 */
import { rm } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../core/errors.js';
import type { ImportFormat } from '../core/import-formats.js';
import { manifestFor, type WriteMode } from '../core/snapshot-manifest.js';
import { datasetCreate, datasetGet, datasetReserveId, type Dataset } from '../store/datasets.js';
import { snapshotGet, snapshotInsert, type NewSnapshot, type Snapshot } from '../store/snapshots.js';
import type { DatasetImporter, ImportedSnapshot, StagedFile } from './dataset-importer.js';
import type { Identity } from './plugins/auth.js';
import { requestLifetime } from './request-lifetime.js';
import { rawUploadFormat, receiveMultipartUpload, receiveRawUpload } from './uploads.js';

/** How often a commit is tried again when another writer committed a snapshot of the dataset meanwhile. */
const COMMIT_TRIES = 5;

export interface NewDatasetSpec {
  name: string;
  displayName: string;
  description: string | null;
  writeMode: WriteMode;
}

/** The importer, if this server holds the files of `dataPlaneId`; otherwise a 409 that says where to import. */
export function importerFor(app: FastifyInstance, dataPlaneId: string, what: string): DatasetImporter {
  const importer = app.importer;
  if (!importer) {
    throw new DomainError('conflict', `this server holds no data plane's files (it runs without a storage root), so it cannot import into ${what}`);
  }
  if (importer.dataPlaneId !== dataPlaneId) {
    // Not naming the plane this server holds: it may be another company's (the embedded plane is company 1's).
    throw new DomainError('conflict', `${what} lives on data plane ${dataPlaneId}, whose files this server does not hold; import through a server of that plane`);
  }
  return importer;
}

/** Appends (or overwrites, per the dataset's write_mode) a snapshot made of the uploaded files. */
export async function importIntoDataset(
  app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, dataset: Dataset, format: ImportFormat | undefined,
): Promise<Snapshot> {
  const importer = importerFor(app, dataset.data_plane_id, `dataset ${dataset.id}`);
  return withUpload(app, importer, request, reply, format, async (files, signal) => {
    const imported = await importer.importSnapshot(dataset.id, files, { format, schema: dataset.schema, signal });
    return commitOrDiscard(imported, () => commitToDataset(app, dataset.company_id, dataset.id, imported));
  });
}

/**
 * Creates a dataset whose schema is inferred from the uploaded files, with them as its first snapshot, on the plane
 * of `importer` (from importerFor, which the route asks before it checks the name).
 */
export async function importAsNewDataset(
  app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, identity: Identity, importer: DatasetImporter,
  spec: NewDatasetSpec, format: ImportFormat | undefined,
): Promise<{ dataset: Dataset; snapshot: Snapshot }> {
  const dataPlaneId = importer.dataPlaneId;
  return withUpload(app, importer, request, reply, format, async (files, signal) => {
    // The id is drawn before the dataset exists, so the files can be written under their final directory.
    const id = await datasetReserveId(app.db);
    const imported = await importer.importSnapshot(id, files, { format, signal });
    const committed = await commitOrDiscard(imported, () => app.db.transaction<Snapshot | null, null>(async (tx) => {
      const dataset = await datasetCreate(tx, {
        id, companyId: identity.companyId, dataPlaneId, name: spec.name, displayName: spec.displayName,
        description: spec.description, schema: imported.schema, status: 'active',
        writeMode: spec.writeMode, tags: [], retentionPolicy: { type: 'retain_everything' }, materializedViewConfig: null,
      });
      if (!dataset) return tx.rollback(null);
      const snapshot = await snapshotInsert(tx, newSnapshot(id, null, imported, null));
      if (!snapshot) throw new Error(`dataset ${id} got a snapshot before it was created`);
      return snapshot;
    }));
    if (!committed) {
      await imported.discard();
      throw new DomainError('conflict', `a dataset named "${spec.name}" already exists`);
    }
    // Read back after the commit: what a client sees is the dataset as stored (latest snapshot, its time).
    return { dataset: (await datasetGet(app.db, identity.companyId, id))!, snapshot: committed };
  });
}

/** Receives the upload into a staging directory, runs `work`, and removes the staging directory whatever happens. */
async function withUpload<T>(
  app: FastifyInstance, importer: DatasetImporter, request: FastifyRequest, reply: FastifyReply,
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
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function commitOrDiscard<T>(imported: ImportedSnapshot, commit: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await commit();
  } catch (error) {
    await imported.discard();
    throw error;
  }
  // null: nothing was committed (the caller discards). Otherwise committed: the plane may now make it visible.
  // A failure here changes nothing committed: the plane's next reconcile of the table publishes it.
  if (result !== null && result !== undefined) await imported.committed?.().catch(() => undefined);
  return result;
}

/** One conditional statement per try: the snapshot's parent must still be the dataset's latest. */
async function commitToDataset(app: FastifyInstance, companyId: number, datasetId: number, imported: ImportedSnapshot): Promise<Snapshot> {
  for (let attempt = 1; attempt <= COMMIT_TRIES; attempt++) {
    const current = await datasetGet(app.db, companyId, datasetId);
    if (!current) throw new DomainError('not_found', `dataset ${datasetId} was not found`);
    if (imported.parentSnapshotId !== undefined && imported.parentSnapshotId !== current.latest_snapshot_id) break;
    const parent = current.latest_snapshot_id === null ? undefined : await snapshotGet(app.db, datasetId, current.latest_snapshot_id);
    const snapshot = await snapshotInsert(app.db, newSnapshot(datasetId, parent ?? null, imported, current.write_mode));
    if (snapshot) return snapshot;
  }
  throw new DomainError('conflict', `dataset ${datasetId} kept getting new snapshots while this import committed; try again`);
}

function newSnapshot(datasetId: number, parent: Snapshot | null, imported: ImportedSnapshot, writeMode: WriteMode | null): NewSnapshot {
  const mode = writeMode ?? 'append';
  const previous = parent && { files: parent.files, rowCount: parent.row_count, bytes: parent.bytes };
  const manifest = manifestFor(mode, previous, imported);
  return {
    snapshotId: imported.snapshotId, datasetId, parentSnapshotId: parent?.snapshot_id ?? null, operation: mode,
    files: manifest.files, rowCount: manifest.rowCount, bytes: manifest.bytes, jobId: null, inputs: [],
  };
}
