/**
 * One DuckDB connection, used by one job at a time.
 *
 * Why a session per job: DuckDB's interrupt acts on a connection, and TEMP views (our `ds_<id>` bindings) are
 * private to a connection. A job that owns its session can bind its own snapshot of a dataset and be cancelled
 * without touching a neighbour. Calls on one session are serialised here, because a DuckDB connection runs one
 * statement at a time and an interrupt must hit the statement it was meant for.
 */
import { StatementType, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { EngineError, QueryInterrupted, toEngineError } from './engine-errors.js';
import { jsonSafeConverter, type JsonRow } from './json-values.js';

export interface QueryOptions {
  /** Aborting interrupts the running statement; the call rejects with QueryInterrupted. */
  signal?: AbortSignal;
}

export interface ColumnInfo {
  name: string;
  type: DuckDBType;
}

/** What the storage, stats, forecast and import modules need from the engine. DuckEngine and DuckSession fit. */
export interface SqlRunner {
  /** Runs SQL (one or more statements) and returns the last statement's rows as JSON-safe objects. */
  run(sql: string, options?: QueryOptions): Promise<JsonRow[]>;
  /** Checks that `sql` is exactly one SELECT and returns its output columns without executing it. */
  describe(sql: string, options?: QueryOptions): Promise<ColumnInfo[]>;
}

// An interrupt that lands between "query submitted" and "query started" is lost (DuckDB resets the flag when a
// statement begins), so after an abort we repeat it until the statement settles. 50 ms keeps us inside 1 s.
const INTERRUPT_REPEAT_MS = 50;

export class DuckSession implements SqlRunner {
  readonly #connection: DuckDBConnection;
  readonly #onClose: (session: DuckSession) => void;
  #tail: Promise<unknown> = Promise.resolve();
  #busy = false;
  #shuttingDown = false;
  #closed = false;

  constructor(connection: DuckDBConnection, onClose: (session: DuckSession) => void = () => {}) {
    this.#connection = connection;
    this.#onClose = onClose;
  }

  run(sql: string, options: QueryOptions = {}): Promise<JsonRow[]> {
    return this.#exclusive(options.signal, async () => {
      const reader = await this.#connection.runAndReadAll(sql);
      return reader.convertRowObjects(jsonSafeConverter) as JsonRow[];
    });
  }

  describe(sql: string, options: QueryOptions = {}): Promise<ColumnInfo[]> {
    return this.#exclusive(options.signal, async () => {
      const extracted = await this.#connection.extractStatements(sql);
      if (extracted.count !== 1) {
        throw new EngineError('invalid_input', `expected exactly one SELECT statement, got ${extracted.count}`);
      }
      const prepared = await extracted.prepare(0);
      try {
        if (prepared.statementType !== StatementType.SELECT) {
          throw new EngineError('invalid_input', 'expected a SELECT statement');
        }
        const columns: ColumnInfo[] = [];
        for (let i = 0; i < prepared.columnCount; i++) {
          columns.push({ name: prepared.columnName(i), type: prepared.columnType(i) });
        }
        return columns;
      } finally {
        prepared.destroySync();
      }
    });
  }

  /** Interrupts whatever runs now and refuses new work: used by DuckEngine.close(). Errors are retryable. */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    const repeat = setInterval(() => this.#busy && this.#connection.interrupt(), INTERRUPT_REPEAT_MS);
    if (this.#busy) this.#connection.interrupt();
    try {
      await this.#tail;
    } finally {
      clearInterval(repeat);
    }
    this.#disconnect();
  }

  /** Waits for queued work, then disconnects. */
  async close(): Promise<void> {
    await this.#tail;
    this.#disconnect();
  }

  #disconnect(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#connection.disconnectSync();
    this.#onClose(this);
  }

  #exclusive<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    const step = this.#tail.then(() => this.#execute(signal, work));
    this.#tail = step.catch(() => undefined);
    return step;
  }

  async #execute<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    if (this.#closed || this.#shuttingDown) throw new EngineError('interrupted', 'the engine is shutting down');
    if (signal?.aborted) throw new QueryInterrupted('query cancelled before it started');

    let repeat: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      this.#connection.interrupt();
      repeat = setInterval(() => this.#connection.interrupt(), INTERRUPT_REPEAT_MS);
      repeat.unref();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#busy = true;
    try {
      const result = await work();
      // Cancellation wins even if DuckDB finished first: the caller must not commit what it asked to stop.
      if (signal?.aborted) throw new QueryInterrupted('query cancelled');
      return result;
    } catch (error) {
      if (signal?.aborted) {
        throw error instanceof QueryInterrupted ? error : new QueryInterrupted('query cancelled', { cause: error });
      }
      if (this.#shuttingDown) {
        throw new EngineError('interrupted', `interrupted by engine shutdown: ${String(error)}`, 'INTERRUPT', {
          cause: error,
        });
      }
      throw toEngineError(error);
    } finally {
      this.#busy = false;
      signal?.removeEventListener('abort', onAbort);
      if (repeat) clearInterval(repeat);
    }
  }
}
