/**
 * One dataset's Iceberg table, `narrative.datasets.ds_<id>`, through a Spark Connect session: creating it,
 * reading its snapshots, staging a write (write-audit-publish), publishing and expiring staged snapshots.
 *
 * Staging: with `write.wap.enabled=true` on the table and `spark.wap.id` set in the session, Iceberg commits the
 * write as a snapshot that is NOT the table's current one (readers of the table do not see it), tagged in its
 * summary with the WAP id. `cherrypick_snapshot` later makes it current; when its parent is the current snapshot
 * (always the case here, see reconcile.ts) that is a fast-forward and the snapshot keeps its id.
 */
import type { DatasetSchema } from '../../../core/dataset-schema.js';
import { rowsOf } from '../arrow-values.js';
import type { ExecuteOptions, SparkSession } from '../spark-connect.js';
import { SparkError } from '../spark-errors.js';
import { datasetTable, procedureTableArg, sparkColumns, sparkString } from './spark-sql.js';

/** Table properties jobplane relies on, set at creation and re-asserted on tables it did not create. */
export const TABLE_PROPERTIES: Record<string, string> = {
  'format-version': '2',
  'write.wap.enabled': 'true',
  // jobplane's retention decides when a committed snapshot goes, not Iceberg's default of 5 days: the control
  // plane still lists (and previews read) older snapshots. expire_snapshots then only removes what we name.
  'history.expire.max-snapshot-age-ms': String(100 * 365 * 86_400_000),
};

export interface IcebergSnapshot {
  /** Decimal string: Iceberg ids use all 63 bits. */
  snapshotId: string;
  parentId: string | null;
  operation: string;
  committedAtMs: number;
  summary: Record<string, string>;
}

export interface DataFile {
  path: string;
  rows: number;
  bytes: number;
}

export class IcebergTable {
  readonly name: string;
  readonly procedureArg: string;

  constructor(private readonly session: SparkSession, readonly datasetId: number) {
    this.name = datasetTable(datasetId);
    this.procedureArg = procedureTableArg(datasetId);
  }

  /** Rows of a query (metadata tables: each costs a Spark job). */
  private async rows(sql: string, opts: ExecuteOptions = {}) {
    return rowsOf((await this.session.query(sql, opts)).batches);
  }

  /** Rows of a command (DDL, SHOW, DESCRIBE, CALL): run on the driver, no Spark job (SparkSession.command). */
  private async commandRows(sql: string, opts: ExecuteOptions = {}) {
    return rowsOf((await this.session.command(sql, opts)).batches);
  }

  async exists(signal?: AbortSignal): Promise<boolean> {
    await this.commandRows('CREATE NAMESPACE IF NOT EXISTS narrative.datasets', { signal });
    const rows = await this.commandRows(`SHOW TABLES IN narrative.datasets LIKE ${sparkString(`ds_${this.datasetId}`)}`, { signal });
    return rows.length > 0;
  }

  /**
   * Creates the table with the dataset's schema unless it exists; makes sure the properties above hold either way
   * (re-asserted whenever they are seen wrong, e.g. changed by hand behind jobplane's back). Returns the table's
   * properties as Spark shows them, `current-snapshot-id` included (see `currentOf`): the caller's reconcile
   * starts from that instead of reading the table again.
   *
   * `checked` remembers (per operator) the tables and the namespace this operator has created or seen: a known
   * table then costs one statement (SHOW TBLPROPERTIES) instead of four. The cache only decides which statement
   * comes first, never what is believed about the table: SHOW reads the table's metadata each time, a table
   * dropped since (by another process or by hand) is seen missing and created again, and a namespace dropped since
   * makes CREATE TABLE fail, which then creates the namespace and tries once more.
   */
  async ensure(schema: DatasetSchema, signal?: AbortSignal, checked?: Set<string>): Promise<Record<string, string>> {
    const key = `${this.session.connect.remote.display}|${this.name}`;
    const nsKey = `${this.session.connect.remote.display}|narrative.datasets`;
    if (checked?.has(key)) {
      const props = await this.propertiesIfExists(signal);
      if (props) return this.assertProperties(props, signal);
      checked.delete(key);
    }
    const props = Object.entries(TABLE_PROPERTIES).map(([k, v]) => `${sparkString(k)}=${sparkString(v)}`).join(', ');
    const create = `CREATE TABLE IF NOT EXISTS ${this.name} ${sparkColumns(schema)} USING iceberg TBLPROPERTIES (${props})`;
    const createNamespace = () => this.commandRows('CREATE NAMESPACE IF NOT EXISTS narrative.datasets', { signal });
    if (checked?.has(nsKey)) {
      try {
        await this.commandRows(create, { signal });
      } catch (err) {
        if (signal?.aborted) throw err;
        checked.delete(nsKey);
        await createNamespace();
        await this.commandRows(create, { signal });
      }
    } else {
      await createNamespace();
      await this.commandRows(create, { signal });
    }
    checked?.add(nsKey);
    const out = await this.assertProperties(await this.properties(signal), signal);
    checked?.add(key);
    return out;
  }

  private async assertProperties(current: Record<string, string>, signal?: AbortSignal): Promise<Record<string, string>> {
    const wrong = Object.entries(TABLE_PROPERTIES).filter(([k, v]) => k !== 'format-version' && current[k] !== v);
    if (wrong.length === 0) return current;
    await this.commandRows(`ALTER TABLE ${this.name} SET TBLPROPERTIES (${wrong.map(([k, v]) => `${sparkString(k)}=${sparkString(v)}`).join(', ')})`, { signal });
    return this.properties(signal);
  }

  /** SHOW TBLPROPERTIES (a command: no Spark job). Iceberg adds `current-snapshot-id`, `format` and others. */
  async properties(signal?: AbortSignal): Promise<Record<string, string>> {
    const rows = await this.commandRows(`SHOW TBLPROPERTIES ${this.name}`, { signal });
    return Object.fromEntries(rows.map((r) => [String(r['key']), String(r['value'])]));
  }

  /** The properties, or null when the table does not exist. */
  async propertiesIfExists(signal?: AbortSignal): Promise<Record<string, string> | null> {
    try {
      return await this.properties(signal);
    } catch (err) {
      if (err instanceof SparkError && err.details.errorClass === 'TABLE_OR_VIEW_NOT_FOUND') return null;
      throw err;
    }
  }

  /** Every snapshot in the table's metadata: published ones and staged ones alike (one Spark job). */
  async snapshots(signal?: AbortSignal): Promise<IcebergSnapshot[]> {
    const rows = await this.rows(
      `SELECT CAST(snapshot_id AS STRING) AS snapshot_id, CAST(parent_id AS STRING) AS parent_id, operation,
              unix_millis(committed_at) AS committed_at_ms, summary
       FROM ${this.name}.snapshots`, { signal });
    return rows.map((r) => ({
      snapshotId: String(r['snapshot_id']),
      parentId: r['parent_id'] === null ? null : String(r['parent_id']),
      operation: String(r['operation']),
      committedAtMs: Number(r['committed_at_ms']),
      summary: (r['summary'] ?? {}) as Record<string, string>,
    }));
  }

  /**
   * Every snapshot and the current one. The current one is read first (SHOW TBLPROPERTIES, no Spark job), then the
   * snapshots (one Spark job): a snapshot current at the first read is in the second (a current snapshot cannot
   * be expired), whatever was committed in between is listed too.
   */
  async state(signal?: AbortSignal): Promise<{ snapshots: IcebergSnapshot[]; current: string | null }> {
    const current = await this.currentSnapshotId(signal);
    return { snapshots: await this.snapshots(signal), current };
  }

  /**
   * The current snapshot of the main branch (what readers of the table see), or null for a table without one:
   * Iceberg's `current-snapshot-id` table property, read without a Spark job. A catalog that does not show it
   * (not Iceberg's SparkCatalog) is asked through the `refs` metadata table instead.
   */
  async currentSnapshotId(signal?: AbortSignal): Promise<string | null> {
    const fromProps = currentOf(await this.properties(signal));
    if (fromProps !== undefined) return fromProps;
    const rows = await this.rows(`SELECT CAST(snapshot_id AS STRING) AS id FROM ${this.name}.refs WHERE name = 'main'`, { signal });
    const id = rows[0]?.['id'];
    return id === undefined || id === null ? null : String(id);
  }

  /**
   * Runs `sql` (a single SELECT, exactly as given) and writes its rows as a staged snapshot: appended to, or
   * overwriting, the current snapshot. Returns the staged snapshot, found by the WAP id in its summary. The
   * session must have `spark.wap.id` = wapId set.
   */
  async stageWrite(
    sql: string, mode: 'append' | 'overwrite', wapId: string, snapshotProperties: Record<string, string>, opts: ExecuteOptions,
  ): Promise<IcebergSnapshot> {
    return (await this.stageWriteListing(sql, mode, wapId, snapshotProperties, opts)).staged;
  }

  /**
   * stageWrite, returning as well every snapshot of the table as listed right after the write (the one Spark job
   * that finds the staged snapshot reads them all anyway): what the orphan sweep needs (reconcile.ts).
   */
  async stageWriteListing(
    sql: string, mode: 'append' | 'overwrite', wapId: string, snapshotProperties: Record<string, string>, opts: ExecuteOptions,
  ): Promise<{ staged: IcebergSnapshot; snapshots: IcebergSnapshot[] }> {
    const options = Object.fromEntries(Object.entries(snapshotProperties).map(([k, v]) => [`snapshot-property.${k}`, v]));
    await this.session.execute({
      command: {
        write_operation_v2: {
          input: { sql: { query: sql } },
          table_name: this.name,
          mode: mode === 'append' ? 'MODE_APPEND' : 'MODE_OVERWRITE',
          options,
          // DataFrameWriterV2.overwrite(lit(true)): replace every row of the table.
          ...(mode === 'overwrite' ? { overwrite_condition: { literal: { boolean: true } } } : {}),
        },
      },
    }, opts);
    const snapshots = await this.snapshots(opts.signal);
    const staged = snapshots.filter((s) => s.summary['wap.id'] === wapId);
    if (staged.length !== 1) {
      throw new SparkError(`the write of ${this.name} left ${staged.length} staged snapshots with WAP id ${wapId}, expected 1`, 'execution');
    }
    return { staged: staged[0]!, snapshots };
  }

  /** The data files of a snapshot (staged or published) with their row counts and sizes. */
  async dataFiles(snapshotId: string, signal?: AbortSignal): Promise<DataFile[]> {
    const rows = await this.rows(
      `SELECT file_path, record_count, file_size_in_bytes FROM ${this.name}.files VERSION AS OF ${BigInt(snapshotId)} WHERE content = 0`,
      { signal });
    return rows.map((r) => ({ path: String(r['file_path']), rows: Number(r['record_count']), bytes: Number(r['file_size_in_bytes']) }));
  }

  /** The table's location (`file:/...`, `s3://...`). A command: no Spark job. */
  async location(signal?: AbortSignal): Promise<string> {
    const rows = await this.commandRows(`DESCRIBE TABLE EXTENDED ${this.name}`, { signal });
    const loc = rows.find((r) => r['col_name'] === 'Location')?.['data_type'];
    if (typeof loc !== 'string') throw new SparkError(`DESCRIBE TABLE EXTENDED ${this.name} shows no Location`, 'execution');
    return loc;
  }

  /** Makes a staged snapshot current. Its parent must be the current snapshot (a fast-forward: the id stays). */
  async cherrypick(snapshotId: string, signal?: AbortSignal): Promise<void> {
    await this.commandRows(`CALL narrative.system.cherrypick_snapshot(${sparkString(this.procedureArg)}, ${BigInt(snapshotId)})`, { signal });
  }

  /** Moves the current snapshot back to an ancestor. */
  async rollbackTo(snapshotId: string, signal?: AbortSignal): Promise<void> {
    await this.commandRows(`CALL narrative.system.rollback_to_snapshot(${sparkString(this.procedureArg)}, ${BigInt(snapshotId)})`, { signal });
  }

  /** Removes the named snapshots (never current ones) and the data files only they referenced. */
  async expire(snapshotIds: readonly string[], signal?: AbortSignal): Promise<void> {
    if (snapshotIds.length === 0) return;
    await this.commandRows(
      `CALL narrative.system.expire_snapshots(table => ${sparkString(this.procedureArg)}, snapshot_ids => array(${snapshotIds.map((id) => `${BigInt(id)}L`).join(', ')}))`,
      { signal });
  }
}

/**
 * The current snapshot in SHOW TBLPROPERTIES of an Iceberg table (`current-snapshot-id`: an id, or `none`), null for
 * none, undefined when the catalog does not show it.
 */
export function currentOf(props: Record<string, string>): string | null | undefined {
  const v = props['current-snapshot-id'];
  if (v === undefined) return undefined;
  if (v === 'none' || v === '') return null;
  if (!/^[0-9]+$/.test(v)) return undefined;
  return v;
}

/** `file:/a/b` and `file:///a/b` name the same place: compare locations by their parsed form. */
export function relativeToLocation(location: string, file: string): string | null {
  const norm = (u: string) => {
    try {
      const url = new URL(u);
      return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
    } catch {
      return u.replace(/\/+$/, '');
    }
  };
  const base = norm(location);
  const full = norm(file);
  return full.startsWith(`${base}/`) ? full.slice(base.length + 1) : null;
}
