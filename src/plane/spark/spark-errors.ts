/**
 * What went wrong on the Spark side, in the plane's terms: can a retry help, and what should the job's
 * `failures[].value` say. Spark Connect reports errors as a gRPC status (mostly INTERNAL) whose
 * `grpc-status-details-bin` trailer carries a google.rpc.ErrorInfo: `reason` is the exception class, `metadata`
 * holds `classes` (the class hierarchy, JSON), `errorClass` (e.g. TABLE_OR_VIEW_NOT_FOUND), `sqlState`,
 * `messageParameters` and `errorId` (FetchErrorDetails gives the untruncated message).
 *
 * | kind | retryable | what |
 * |---|---|---|
 * | analysis | no | parse and analysis errors (AnalysisException, ParseException, SQLSTATE class 42): the SQL is wrong |
 * | data | no | SQLSTATE class 22 (cast, overflow, division by zero under ANSI): the same data fails the same way |
 * | cancelled | no | OPERATION_CANCELED, cancelled Spark jobs: we (or someone) interrupted it |
 * | connection | yes | UNAVAILABLE, broken streams, deadlines, a server that went away |
 * | session | yes | INVALID_HANDLE.*: the server restarted or dropped the session |
 * | execution | yes | anything else from Spark (lost executors, stage failures, out of memory) |
 */
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';

export type SparkErrorKind = 'analysis' | 'data' | 'cancelled' | 'connection' | 'session' | 'execution';

export interface SparkErrorInfo {
  reason: string;
  metadata: Record<string, string>;
}

export class SparkError extends Error {
  readonly retryable: boolean;
  constructor(
    message: string,
    readonly kind: SparkErrorKind,
    readonly details: {
      grpcCode?: number | undefined;
      errorClass?: string | undefined;
      sqlState?: string | undefined;
      exceptionClass?: string | undefined;
      errorId?: string | undefined;
      operationId?: string | undefined;
    } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SparkError';
    this.retryable = RETRYABLE[kind];
  }

  /** The diagnostics for a job's `failures[].value` (classifyFailure copies `value`). */
  get value(): Record<string, string | number | boolean> {
    const v: Record<string, string | number | boolean> = { engine: 'spark', kind: this.kind, message: this.message };
    const d = this.details;
    if (d.errorClass) v['error_class'] = d.errorClass;
    if (d.sqlState) v['sql_state'] = d.sqlState;
    if (d.exceptionClass) v['exception'] = d.exceptionClass;
    if (d.grpcCode !== undefined) v['grpc_code'] = GrpcStatus[d.grpcCode] ?? d.grpcCode;
    if (d.operationId) v['operation_id'] = d.operationId;
    return v;
  }
}

const RETRYABLE: Record<SparkErrorKind, boolean> = {
  analysis: false, data: false, cancelled: false, connection: true, session: true, execution: true,
};

const ANALYSIS_CLASSES = [
  'org.apache.spark.sql.AnalysisException',
  'org.apache.spark.sql.catalyst.parser.ParseException',
  'org.apache.spark.sql.catalyst.analysis.NoSuchTableException',
];

const CANCELLED_ERROR_CLASSES = new Set(['OPERATION_CANCELED', 'SPARK_JOB_CANCELLED']);

const CONNECTION_CODES = new Set<number>([
  GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.CANCELLED, GrpcStatus.ABORTED,
  GrpcStatus.RESOURCE_EXHAUSTED, GrpcStatus.UNAUTHENTICATED,
]);

/**
 * Classifies a failed call. `info` is the decoded ErrorInfo (undefined when the trailer has none, as for
 * transport failures); `fullMessage` the message FetchErrorDetails returned, when it was asked.
 */
export function classifySparkError(
  err: ServiceError | Error, info: SparkErrorInfo | undefined, extra: { fullMessage?: string | undefined; operationId?: string | undefined } = {},
): SparkError {
  const grpcCode = typeof (err as ServiceError).code === 'number' ? (err as ServiceError).code : undefined;
  const raw = (err as ServiceError).details ?? err.message;
  const message = extra.fullMessage ?? raw;
  const meta = info?.metadata ?? {};
  const classes = parseClasses(meta['classes']) ?? (info?.reason ? [info.reason] : []);
  const errorClass = meta['errorClass'] || errorClassFromMessage(message);
  const sqlState = meta['sqlState'] || undefined;
  const details = { grpcCode, errorClass, sqlState, exceptionClass: info?.reason || undefined, errorId: meta['errorId'], operationId: extra.operationId };
  const make = (kind: SparkErrorKind) => new SparkError(message, kind, details, { cause: err });

  if (errorClass && CANCELLED_ERROR_CLASSES.has(errorClass)) return make('cancelled');
  if (errorClass?.startsWith('INVALID_HANDLE')) return make('session');
  if (!info) {
    // No Spark error behind it: the transport failed (server gone, stream reset, deadline).
    return make(grpcCode !== undefined && !CONNECTION_CODES.has(grpcCode) && grpcCode !== GrpcStatus.INTERNAL && grpcCode !== GrpcStatus.UNKNOWN
      ? 'execution' : 'connection');
  }
  // The server is shutting down under us (its SparkContext stopped): like a lost connection, another try will find
  // the restarted server.
  if (/stopped SparkContext|SparkContext (was|has been) shut down/i.test(message)) return make('connection');
  if (classes.some((c) => ANALYSIS_CLASSES.includes(c)) || sqlState?.startsWith('42')) return make('analysis');
  if (sqlState?.startsWith('22')) return make('data');
  if (classes.some((c) => c.endsWith('SparkSQLException') || c.endsWith('SparkException')) && /cancel/i.test(message)) {
    return make('cancelled');
  }
  return make('execution');
}

function parseClasses(json: string | undefined): string[] | undefined {
  if (!json) return undefined;
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
  } catch {
    return undefined;
  }
}

/** `[TABLE_OR_VIEW_NOT_FOUND] The table ...` -> TABLE_OR_VIEW_NOT_FOUND (when the trailer lacks errorClass). */
function errorClassFromMessage(message: string): string | undefined {
  return /^\[([A-Z0-9_.]+)\]/.exec(message)?.[1];
}
