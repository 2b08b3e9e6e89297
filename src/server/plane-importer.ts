import { DomainError } from '../core/errors.js';
import type { DatasetImporter, ImportedSnapshot, ImportOptions, StagedFile } from '../api/dataset-importer.js';
import type { EmbeddedImporter } from '../plane/import/embedded-importer.js';
import { ImportError, SchemaMismatchError } from '../plane/import/import-errors.js';
import { ImportFormatError } from '../plane/import/import-format.js';
import { toRelative } from '../plane/handlers/data-plane.js';

/**
 * The import endpoints' DatasetImporter over the DuckDB plane's EmbeddedImporter (this server holds that plane's
 * storage): paths become relative to the storage root, as snapshots record them, and a bad file becomes a 400 that
 * names the client's file, line and column.
 */
export class PlaneImporter implements DatasetImporter {
  constructor(private readonly inner: EmbeddedImporter) {}

  get dataPlaneId(): string {
    return this.inner.dataPlaneId;
  }

  stagingDir(): Promise<string> {
    return this.inner.stagingDir();
  }

  async importSnapshot(datasetId: number, files: readonly StagedFile[], options: ImportOptions): Promise<ImportedSnapshot> {
    try {
      const imported = await this.inner.importSnapshot(datasetId, files, options);
      return {
        snapshotId: imported.snapshotId, rowCount: imported.rowCount, bytes: imported.bytes, schema: imported.schema,
        files: imported.files.map((f) => ({ ...f, path: toRelative(this.inner.storageRoot, f.path) })),
        discard: imported.discard,
      };
    } catch (error) {
      throw importProblem(error);
    }
  }
}

/** Bad files are the client's problem (400, saying which file, line and column); the rest passes through. */
function importProblem(error: unknown): unknown {
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
