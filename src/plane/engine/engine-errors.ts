/**
 * Typed engine errors.
 *
 * DuckDB's C API reports errors to Node as plain `Error`s whose message starts with the exception type:
 * `Binder Error: Referenced column "x" not found ...`, `IO Error: ...`, `INTERRUPT Error: Interrupted!`. We read
 * that prefix once, here, so the operator can decide "retry or not" from a field instead of matching text.
 *
 * deterministic (same SQL, same data -> same error; retrying wastes an attempt):
 *   parser, binder, catalog, conversion (incl. out-of-range, type mismatch), constraint, invalid_input,
 *   permission (a path outside allowed_directories), not_implemented, internal (a DuckDB bug reproduces).
 * retryable (the environment, not the query):
 *   io, out_of_memory, interrupted (by engine shutdown, not by the caller), fatal (the instance is invalidated:
 *   reopen the engine before retrying), transient (transaction conflicts, network), unknown.
 * `cancelled` is QueryInterrupted: the caller's AbortSignal fired. It is not retried; the job is being cancelled.
 */

export type EngineErrorKind =
  | 'parser'
  | 'binder'
  | 'catalog'
  | 'conversion'
  | 'constraint'
  | 'invalid_input'
  | 'permission'
  | 'not_implemented'
  | 'internal'
  | 'io'
  | 'out_of_memory'
  | 'interrupted'
  | 'fatal'
  | 'transient'
  | 'unknown'
  | 'cancelled';

const RETRYABLE: ReadonlySet<EngineErrorKind> = new Set<EngineErrorKind>([
  'io',
  'out_of_memory',
  'interrupted',
  'fatal',
  'transient',
  'unknown',
]);

/** DuckDB exception type names (the text before " Error: ") mapped to our kinds. Case-insensitive. */
const KIND_BY_DUCKDB_TYPE: ReadonlyMap<string, EngineErrorKind> = new Map<string, EngineErrorKind>([
  ['parser', 'parser'],
  ['syntax', 'parser'],
  ['binder', 'binder'],
  ['planner', 'binder'],
  ['parameter not resolved', 'binder'],
  ['parameter not allowed', 'binder'],
  ['catalog', 'catalog'],
  ['dependency', 'catalog'],
  ['conversion', 'conversion'],
  ['out of range', 'conversion'],
  ['mismatch type', 'conversion'],
  ['invalid type', 'conversion'],
  ['unknown type', 'conversion'],
  ['decimal', 'conversion'],
  ['division by zero', 'conversion'],
  ['constraint', 'constraint'],
  ['invalid input', 'invalid_input'],
  ['invalid', 'invalid_input'],
  ['invalid configuration', 'invalid_input'],
  ['expression', 'invalid_input'],
  ['sequence', 'invalid_input'],
  ['permission', 'permission'],
  ['not implemented', 'not_implemented'],
  ['missing extension', 'not_implemented'],
  ['internal', 'internal'],
  ['io', 'io'],
  ['out of memory', 'out_of_memory'],
  ['interrupt', 'interrupted'],
  ['fatal', 'fatal'],
  ['transactioncontext', 'transient'],
  ['transaction', 'transient'],
  ['connection', 'transient'],
  ['network', 'transient'],
  ['http', 'transient'],
]);

export class EngineError extends Error {
  override readonly name: string = 'EngineError';
  readonly kind: EngineErrorKind;
  readonly retryable: boolean;
  /** DuckDB's own exception type ("Binder", "IO", ...) when the message carried one. */
  readonly duckdbType: string | null;

  constructor(kind: EngineErrorKind, message: string, duckdbType: string | null = null, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.retryable = RETRYABLE.has(kind);
    this.duckdbType = duckdbType;
  }

  /**
   * What the operator reports as the failure's `value` (classifyFailure reads `value` off any error), so a
   * failed job says which engine error it was and whether a retry was tried.
   */
  get value(): ReturnType<EngineError['toFailureValue']> {
    return this.toFailureValue();
  }

  /** Diagnostics for a job's `failures[].value`. */
  toFailureValue(): { engine: 'duckdb'; kind: EngineErrorKind; retryable: boolean; duckdb_error_type: string | null; message: string } {
    return {
      engine: 'duckdb',
      kind: this.kind,
      retryable: this.retryable,
      duckdb_error_type: this.duckdbType,
      message: this.message,
    };
  }
}

/** The caller's AbortSignal fired and the query was interrupted (or had not started). */
export class QueryInterrupted extends EngineError {
  override readonly name = 'QueryInterrupted';
  constructor(message = 'query interrupted by cancellation', options?: ErrorOptions) {
    super('cancelled', message, null, options);
  }
}

const TYPE_PREFIX = /^([A-Za-z][A-Za-z ]*?) Error: /u;

/** Map anything a DuckDB call threw to an EngineError, by the exception type that prefixes DuckDB's message. */
export function toEngineError(error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const match = TYPE_PREFIX.exec(message);
  const duckdbType = match?.[1] ?? null;
  const kind = duckdbType === null ? 'unknown' : (KIND_BY_DUCKDB_TYPE.get(duckdbType.toLowerCase()) ?? 'unknown');
  return new EngineError(kind, message, duckdbType, { cause: error });
}
