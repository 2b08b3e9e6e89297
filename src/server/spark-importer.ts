import path from 'node:path';
import type { DatasetImporter, ImportedSnapshot, ImportOptions, StagedFile } from '../api/dataset-importer.js';
import { datasetGetOnPlane } from '../store/datasets.js';
import type { Db } from '../store/db/types.js';
import type { PlaneImporter } from './plane-importer.js';
import type { SparkConnect } from '../plane/spark/spark-connect.js';

/**
 * The import endpoints' DatasetImporter for a Spark plane (`serve --engine spark`): the upload is checked and
 * converted to Parquet exactly as on the DuckDB plane (same validation, same 400s naming file, line and column;
 * the PlaneImporter over the embedded importer, under `<storage>/datasets/<id>/snapshots/<tmp>/`), then Spark
 * loads those files into the Iceberg table `narrative.datasets.ds_<id>` as a staged snapshot
 * (src/plane/spark/import-parquet.ts). The control plane commits it with the staged snapshot's parent as the
 * required parent; only then is it published (`committed`). The Parquet files are deleted once Spark has copied
 * them into the table. The cluster must see this server's storage directory (true of `jobplane spark up`).
 */
export class SparkImporter implements DatasetImporter {
  constructor(
    private readonly converter: PlaneImporter,
    private readonly storageRoot: string,
    private readonly db: Db,
    private readonly connect: () => Promise<SparkConnect>,
  ) {}

  get dataPlaneId(): string {
    return this.converter.dataPlaneId;
  }

  stagingDir(): Promise<string> {
    return this.converter.stagingDir();
  }

  async importSnapshot(datasetId: number, files: readonly StagedFile[], options: ImportOptions): Promise<ImportedSnapshot> {
    const converted = await this.converter.importSnapshot(datasetId, files, options);
    try {
      // Existing dataset: its write mode and latest snapshot; a dataset being created has neither yet.
      const dataset = await datasetGetOnPlane(this.db, this.dataPlaneId, datasetId);
      const latest = dataset?.latest_snapshot_id ?? null;
      const first = converted.files[0];
      if (!first) throw new Error('the import wrote no Parquet file');
      const { stageParquetOnSpark } = await import('../plane/spark/import-parquet.js');
      const staged = await stageParquetOnSpark(await this.connect(), {
        datasetId, schema: converted.schema, dir: path.dirname(path.join(this.storageRoot, first.path)),
        mode: dataset?.write_mode ?? 'append', latestSnapshotId: latest, what: `import-${datasetId}`,
        properties: { import: 'true' }, signal: options.signal,
      });
      return {
        snapshotId: staged.snapshotId, files: staged.files, rowCount: staged.rowCount, bytes: staged.bytes,
        schema: converted.schema, parentSnapshotId: latest, discard: staged.discard, committed: staged.publish,
      };
    } finally {
      await converted.discard();
    }
  }
}
