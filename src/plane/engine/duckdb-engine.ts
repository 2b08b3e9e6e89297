/**
 * DuckEngine: the embedded DuckDB instance of a data-plane operator.
 *
 * Settings, and why (docs/data-plane.md has the long form):
 * - Extensions: parquet, json and icu are compiled in; nothing can be downloaded here. Auto-install and auto-load
 *   are off so a query that would need another extension fails at once with a clear error instead of a 0.5 s
 *   network timeout. We never run INSTALL.
 * - TimeZone = 'UTC' (global, so every session inherits it): `timestamptz` renders and truncates in UTC, and
 *   `timestamp_object.day` style derivations do not depend on the machine's zone.
 * - memory_limit (default 512MB, `JOBPLANE_DUCKDB_MEMORY`) bounds DuckDB's buffer manager; with temp_directory set, operators that exceed
 *   it (hash joins, aggregates, sorts) spill to disk instead of failing. An in-memory database has no spill
 *   directory by default, so we always set one (a private directory under os.tmpdir(), removed on close).
 * - threads: default os.availableParallelism().
 * - preserve_insertion_order = false: lets COPY and scans run in parallel without buffering to keep row order,
 *   which lowers peak memory. Queries with ORDER BY still return ordered results.
 * - External access: DuckDB can read and write any file the process can. We restrict it with
 *   allowed_directories (the storage root, plus import sources for an import engine) and then disable
 *   enable_external_access, which DuckDB lets no one re-enable while the database runs. Our own Parquet
 *   reads/writes stay inside the allowed directories. User SQL never contains file paths: the NQL compiler
 *   refuses table functions such as read_csv or read_parquet, and describe() rejects anything but one SELECT.
 *   The restriction is the second fence behind that one.
 * - lock_configuration is NOT set: TimeZone and other per-connection settings must remain settable for new
 *   sessions; SET cannot reach us through compiled SQL, which is a single SELECT.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckSession, type ColumnInfo, type QueryOptions, type SqlRunner } from './duck-session.js';
import { EngineError, toEngineError } from './engine-errors.js';
import type { JsonRow } from './json-values.js';
import { sqlString, sqlStringList } from './sql-text.js';

/**
 * DuckDB's memory_limit when none is configured. It bounds the buffer manager, not the process: allocations outside
 * it and Node's own ~130 MiB come on top. 512MB keeps an operator materializing 10M rows, windows and aggregates
 * included, under 1 GiB RSS (bench/results/plane.md); with 1GB a window query's peak was 1.2-1.3 GiB.
 */
export const DEFAULT_MEMORY_LIMIT = '512MB';

/** The memory_limit of a data plane's engines: `JOBPLANE_DUCKDB_MEMORY`, else the default. */
export function configuredMemoryLimit(env: NodeJS.ProcessEnv = process.env): string {
  return env['JOBPLANE_DUCKDB_MEMORY'] || DEFAULT_MEMORY_LIMIT;
}

export interface EngineOptions {
  /** Directories DuckDB may read and write, or 'unrestricted'. No default: the caller must decide. */
  allowedDirectories: readonly string[] | 'unrestricted';
  /** ':memory:' (default) or a database file. Snapshots are Parquet files, so the operator needs no file. */
  path?: string;
  /** DuckDB memory_limit, e.g. '512MB' (default), '2GB'. */
  memoryLimit?: string;
  /** Worker threads; default os.availableParallelism(). */
  threads?: number;
  /** Spill directory; default a fresh directory under os.tmpdir(), deleted on close. */
  tempDirectory?: string;
  /** Cap on spilled bytes, e.g. '20GB'; default DuckDB's (90% of the free disk). */
  maxTempDirectorySize?: string;
  /** Default false (see the header comment). */
  preserveInsertionOrder?: boolean;
}

export interface EngineSettings {
  path: string;
  memoryLimit: string;
  threads: number;
  tempDirectory: string;
  allowedDirectories: readonly string[] | 'unrestricted';
  preserveInsertionOrder: boolean;
}

export class DuckEngine implements SqlRunner {
  readonly settings: EngineSettings;
  readonly #instance: DuckDBInstance;
  readonly #main: DuckSession;
  readonly #sessions = new Set<DuckSession>();
  readonly #ownsTempDirectory: boolean;
  #closed = false;

  private constructor(instance: DuckDBInstance, main: DuckSession, settings: EngineSettings, ownsTemp: boolean) {
    this.#instance = instance;
    this.#main = main;
    this.settings = settings;
    this.#ownsTempDirectory = ownsTemp;
  }

  static async open(options: EngineOptions): Promise<DuckEngine> {
    const ownsTemp = options.tempDirectory === undefined;
    const settings: EngineSettings = {
      path: options.path ?? ':memory:',
      memoryLimit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
      threads: options.threads ?? os.availableParallelism(),
      tempDirectory: path.resolve(options.tempDirectory ?? path.join(os.tmpdir(), `jobplane-duckdb-${randomUUID()}`)),
      allowedDirectories:
        options.allowedDirectories === 'unrestricted'
          ? 'unrestricted'
          : options.allowedDirectories.map((dir) => withTrailingSeparator(path.resolve(dir))),
      preserveInsertionOrder: options.preserveInsertionOrder ?? false,
    };
    const config: Record<string, string> = {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      memory_limit: settings.memoryLimit,
      threads: String(settings.threads),
      temp_directory: settings.tempDirectory,
      preserve_insertion_order: String(settings.preserveInsertionOrder),
    };
    if (options.maxTempDirectorySize !== undefined) config['max_temp_directory_size'] = options.maxTempDirectorySize;

    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(settings.path, config);
    } catch (error) {
      throw toEngineError(error);
    }
    const main = new DuckSession(await instance.connect());
    const engine = new DuckEngine(instance, main, settings, ownsTemp);
    try {
      await main.run(`SET GLOBAL TimeZone = 'UTC'`);
      if (settings.allowedDirectories !== 'unrestricted') {
        // Order matters: allowed_directories cannot change once external access is disabled.
        await main.run(`SET allowed_directories = ${sqlStringList(settings.allowedDirectories)}`);
        await main.run(`SET enable_external_access = false`);
      }
    } catch (error) {
      await engine.close();
      throw error;
    }
    return engine;
  }

  /** A new connection with its own TEMP views and its own interrupt; close it when the job ends. */
  async session(): Promise<DuckSession> {
    if (this.#closed) throw new EngineError('interrupted', 'the engine is closed');
    const session = new DuckSession(await this.#instance.connect(), (s) => this.#sessions.delete(s));
    this.#sessions.add(session);
    return session;
  }

  run(sql: string, options?: QueryOptions): Promise<JsonRow[]> {
    return this.#main.run(sql, options);
  }

  describe(sql: string, options?: QueryOptions): Promise<ColumnInfo[]> {
    return this.#main.describe(sql, options);
  }

  /** Current value of a DuckDB setting, e.g. 'memory_limit' (for diagnostics and tests). */
  async setting(name: string): Promise<unknown> {
    const rows = await this.#main.run(`SELECT current_setting(${sqlString(name)}) AS value`);
    return rows[0]?.['value'];
  }

  /**
   * Interrupts running statements (they reject with a retryable 'interrupted' EngineError), waits for them to
   * stop, closes every session and the instance, and removes the spill directory we created.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#sessions].map((s) => s.shutdown()));
    await this.#main.shutdown();
    this.#instance.closeSync();
    if (this.#ownsTempDirectory) rmSync(this.settings.tempDirectory, { recursive: true, force: true });
  }
}

function withTrailingSeparator(dir: string): string {
  return dir.endsWith(path.sep) ? dir : dir + path.sep;
}
