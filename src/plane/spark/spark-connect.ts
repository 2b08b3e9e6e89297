/**
 * A Spark Connect client: one gRPC channel per remote, any number of sessions on it.
 *
 * What jobplane needs of the protocol, and nothing more: ExecutePlan (SQL queries, SQL commands and the
 * DataFrameWriterV2 write of a SQL relation), Config (session settings such as the WAP id), Interrupt (by
 * operation id, tag, or all), ReleaseSession and FetchErrorDetails. Executions are not reattachable: when the
 * stream breaks (the operator died, the network went) the server interrupts the operation instead of keeping it
 * for a client that will never come back, and the job is retried as a whole.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Table } from 'apache-arrow';
import { decodeArrowBatch } from './arrow-values.js';
import { grpcTarget, parseSparkRemote, type SparkRemote } from './connection-string.js';
import { loadSparkProtocol, type SparkProtocol } from './protocol.js';
import { classifySparkError, SparkError } from './spark-errors.js';
import type { ExecutePlanResponse, Plan, ProgressUpdate } from './spark-messages.js';

export interface ExecuteOptions {
  signal?: AbortSignal | undefined;
  /** Tags for Interrupt by tag (no commas, not empty). */
  tags?: readonly string[] | undefined;
  /** Called with each progress report of the server (every `spark.connect.progress.reportInterval`, 2 s). */
  onProgress?: ((progress: ProgressUpdate) => void) | undefined;
  /** Our own operation id (a UUID), so Interrupt can name the operation before its first response arrives. */
  operationId?: string | undefined;
}

export interface ExecuteResult {
  operationId: string;
  /** The Arrow batches of the result, one table per batch (empty for commands without rows). */
  batches: Table[];
  /** The relation a SQL command returns (its rows for commands; the query to run for queries). */
  sqlCommandRelation: unknown;
}

const CLIENT_TYPE = 'jobplane';
const UNARY_DEADLINE_MS = 30_000;
/** How long an interrupted execution may take to end its stream before we cancel the call ourselves. */
const INTERRUPT_GRACE_MS = 5_000;

export class SparkConnect {
  private constructor(
    readonly remote: SparkRemote,
    private readonly protocol: SparkProtocol,
    private readonly stub: grpc.Client & Record<string, any>,
    /** gRPC attaches call credentials only over TLS; a token to a plain-text (loopback) server rides as metadata. */
    private readonly plainTextToken: string | undefined,
    /** Set on every session this client opens (e.g. the `narrative` catalog's warehouse of this install). */
    private readonly sessionConf: Record<string, string>,
  ) {}

  /** Connects lazily: the first call opens the channel (and gRPC reconnects by itself after a failure). */
  static async open(remote: string | SparkRemote, opts: { sessionConf?: Record<string, string> | undefined } = {}): Promise<SparkConnect> {
    const parsed = typeof remote === 'string' ? parseSparkRemote(remote) : remote;
    const protocol = await loadSparkProtocol();
    let credentials = parsed.useSsl ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
    const token = parsed.token;
    if (token !== undefined && parsed.useSsl) {
      credentials = grpc.credentials.combineChannelCredentials(credentials, grpc.credentials.createFromMetadataGenerator((_params, callback) => {
        const md = new grpc.Metadata();
        md.set('authorization', `Bearer ${token}`);
        callback(null, md);
      }));
    }
    const stub = new protocol.Service(grpcTarget(parsed), credentials, {
      'grpc.primary_user_agent': parsed.userAgent,
      // Spark caps an Arrow batch at spark.connect.grpc.arrow.maxBatchSize (4 MiB) but a row may exceed it.
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
      'grpc.max_send_message_length': 256 * 1024 * 1024,
      // Find a restarted server within seconds, not after grpc-js's default backoff of up to two minutes.
      'grpc.initial_reconnect_backoff_ms': 1_000,
      'grpc.max_reconnect_backoff_ms': 5_000,
    }) as grpc.Client & Record<string, any>;
    return new SparkConnect(parsed, protocol, stub, parsed.useSsl ? undefined : token, { ...opts.sessionConf });
  }

  /**
   * A new server-side session (the server creates it on its first request), with the client's session settings.
   * Spark Connect gives every session its own SparkSession: its own SQL settings and catalog instances.
   */
  async openSession(signal?: AbortSignal, conf: Record<string, string> = {}): Promise<SparkSession> {
    const session = new SparkSession(this, randomUUID());
    const all = { ...this.sessionConf, ...conf };
    if (Object.keys(all).length > 0) await session.setConf(all, signal);
    return session;
  }

  /**
   * Waits until the channel is connected, or rejects after `timeoutMs` with a retryable 'connection' error (or with
   * the signal's reason). Jobs call it first, so that a cluster being restarted costs an attempt minutes later,
   * not at once.
   */
  waitForReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal!.reason);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.stub.waitForReady(Date.now() + timeoutMs, (err?: Error) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(new SparkError(`Spark Connect at ${this.remote.display} is not reachable: ${err.message}`, 'connection', {}, { cause: err }));
        else resolve();
      });
    });
  }

  close(): void {
    this.stub.close();
  }

  /** @internal metadata for a call (the token, when it travels without TLS to a loopback server). */
  metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.plainTextToken !== undefined) md.set('authorization', `Bearer ${this.plainTextToken}`);
    return md;
  }

  /** @internal */
  unary<Res>(method: string, request: object, signal?: AbortSignal): Promise<Res> {
    return new Promise((resolve, reject) => {
      const call = this.stub[method](request, this.metadata(), { deadline: Date.now() + UNARY_DEADLINE_MS },
        (err: grpc.ServiceError | null, res: Res) => (err ? reject(err) : resolve(res)));
      signal?.addEventListener('abort', () => call.cancel(), { once: true });
    });
  }

  /** @internal */
  stream(method: string, request: object): grpc.ClientReadableStream<ExecutePlanResponse> {
    return this.stub[method](request, this.metadata());
  }

  /** @internal turns a failed call into a SparkError, asking the server for the full message when it has one. */
  async toSparkError(err: unknown, session: SparkSession, operationId?: string): Promise<SparkError> {
    if (err instanceof SparkError) return err;
    const e = err as grpc.ServiceError;
    const details = e?.metadata?.get?.('grpc-status-details-bin')?.[0];
    const info = Buffer.isBuffer(details) ? this.protocol.decodeErrorInfo(details) : undefined;
    let fullMessage: string | undefined;
    const errorId = info?.metadata['errorId'];
    if (errorId) {
      try {
        const res = await this.unary<{ root_error_idx?: number; errors?: Array<{ message?: string }> }>('FetchErrorDetails', {
          session_id: session.sessionId, user_context: session.userContext, client_type: CLIENT_TYPE, error_id: errorId,
        });
        const root = res.errors?.[res.root_error_idx ?? 0];
        if (root?.message) fullMessage = root.message;
      } catch {
        // The short message from the trailer will do.
      }
    }
    return classifySparkError(e instanceof Error ? e : new Error(String(err)), info, { fullMessage, operationId });
  }
}

export class SparkSession {
  /** The server's id of this session, learnt from its first answer: a different one later means it restarted. */
  private serverSideSessionId: string | undefined;
  readonly userContext: { user_id: string; user_name: string };

  constructor(readonly connect: SparkConnect, readonly sessionId: string) {
    this.userContext = { user_id: connect.remote.userId, user_name: connect.remote.userId };
  }

  private base(): Record<string, unknown> {
    return {
      session_id: this.sessionId, user_context: this.userContext, client_type: CLIENT_TYPE,
      ...(this.serverSideSessionId ? { client_observed_server_side_session_id: this.serverSideSessionId } : {}),
    };
  }

  private observe(serverSideSessionId: string | undefined): void {
    if (serverSideSessionId) this.serverSideSessionId ??= serverSideSessionId;
  }

  /** Sets session configuration (SET key=value for this session only). */
  async setConf(pairs: Record<string, string>, signal?: AbortSignal): Promise<void> {
    try {
      const res = await this.connect.unary<{ server_side_session_id?: string }>('Config', {
        ...this.base(), operation: { set: { pairs: Object.entries(pairs).map(([key, value]) => ({ key, value })) } },
      }, signal);
      this.observe(res.server_side_session_id);
    } catch (err) {
      throw await this.connect.toSparkError(err, this);
    }
  }

  /** Unsets session configuration. */
  async unsetConf(keys: readonly string[], signal?: AbortSignal): Promise<void> {
    try {
      await this.connect.unary('Config', { ...this.base(), operation: { unset: { keys } } }, signal);
    } catch (err) {
      throw await this.connect.toSparkError(err, this);
    }
  }

  /** Runs a query (or a command written as SQL) and returns its rows as Arrow batches. */
  query(sql: string, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    return this.execute({ root: { sql: { query: sql } } }, opts);
  }

  /**
   * Runs a SQL *command* (DDL, SHOW, DESCRIBE, CALL) as a Spark Connect `SqlCommand` and returns its rows. The
   * server executes a command eagerly on the driver and sends its rows back inline (a LocalRelation in the
   * `sql_command_result`), so no Spark job is scheduled on the executors; `query()` of the same statement has the
   * server collect the command's result through a Spark job (about 0.2-0.5 s on a busy cluster instead of tens of
   * ms). Only for statements that are commands: a plain SELECT would come back as a relation still to be run, which
   * this then runs as `query()` would (a second round trip).
   */
  async command(sql: string, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    const res = await this.execute({ command: { sql_command: { input: { sql: { query: sql } } } } }, opts);
    const rel = res.sqlCommandRelation as { local_relation?: { data?: Uint8Array | null } | null } | null | undefined;
    if (rel && rel.local_relation) {
      const data = rel.local_relation.data;
      return { ...res, batches: data && data.length > 0 ? [decodeArrowBatch(data)] : [] };
    }
    if (rel && typeof rel === 'object' && Object.values(rel).some((v) => v !== null && v !== undefined)) {
      return this.execute({ root: rel as never }, opts);
    }
    return res;
  }

  /** Runs a plan: a `root` relation (rows come back) or a `command`. */
  async execute(plan: Plan, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    const operationId = opts.operationId ?? randomUUID();
    const { signal } = opts;
    signal?.throwIfAborted();
    const request = { ...this.base(), operation_id: operationId, plan, tags: [...(opts.tags ?? [])] };
    const batches: Table[] = [];
    let sqlCommandRelation: unknown;
    let interrupted = false;
    const call = this.connect.stream('ExecutePlan', request);
    let graceTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      interrupted = true;
      // Interrupt names the operation, so Spark cancels its jobs (and their tasks) at once; the stream then ends
      // with OPERATION_CANCELED. If the server does not answer, cancelling the call ends a non-reattachable
      // execution too.
      void this.interrupt({ operationId }).catch(() => undefined);
      graceTimer = setTimeout(() => call.cancel(), INTERRUPT_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        call.on('data', (res: ExecutePlanResponse) => {
          this.observe(res.server_side_session_id);
          try {
            if (res.arrow_batch?.data && res.arrow_batch.data.length > 0) batches.push(decodeArrowBatch(res.arrow_batch.data));
            else if (res.sql_command_result) sqlCommandRelation = res.sql_command_result.relation;
            else if (res.execution_progress && opts.onProgress) opts.onProgress(progressOf(res.execution_progress));
          } catch (err) {
            call.cancel();
            reject(err);
          }
        });
        call.on('error', reject);
        call.on('end', resolve);
      });
    } catch (err) {
      const sparkError = await this.connect.toSparkError(err, this, operationId);
      if (interrupted && signal?.aborted) throw signal.reason ?? sparkError;
      throw sparkError;
    } finally {
      clearTimeout(graceTimer);
      signal?.removeEventListener('abort', onAbort);
    }
    // Finished just as the signal fired: cancellation wins, the caller must not use what it asked to stop.
    if (interrupted) signal?.throwIfAborted();
    return { operationId, batches, sqlCommandRelation };
  }

  /** Interrupts this session's operations: one (by id), those carrying a tag, or all. Returns the ids interrupted. */
  async interrupt(target: { operationId: string } | { tag: string } | 'all'): Promise<string[]> {
    const which = target === 'all' ? { interrupt_type: 'INTERRUPT_TYPE_ALL' }
      : 'tag' in target ? { interrupt_type: 'INTERRUPT_TYPE_TAG', operation_tag: target.tag }
        : { interrupt_type: 'INTERRUPT_TYPE_OPERATION_ID', operation_id: target.operationId };
    try {
      const res = await this.connect.unary<{ interrupted_ids?: string[] }>('Interrupt', { ...this.base(), ...which });
      return res.interrupted_ids ?? [];
    } catch (err) {
      throw await this.connect.toSparkError(err, this);
    }
  }

  /** Ends the session on the server (its temp views, settings and cached state go with it). Never throws. */
  async release(): Promise<void> {
    try {
      await this.connect.unary('ReleaseSession', { session_id: this.sessionId, user_context: this.userContext, client_type: CLIENT_TYPE });
    } catch {
      // The server drops idle sessions by itself (spark.connect.session.manager.defaultSessionTimeout).
    }
  }
}

function progressOf(p: NonNullable<ExecutePlanResponse['execution_progress']>): ProgressUpdate {
  const stages = (p.stages ?? []).map((s) => ({
    stage_id: Number(s.stage_id ?? 0), tasks: Number(s.num_tasks ?? 0), tasks_done: Number(s.num_completed_tasks ?? 0),
    input_bytes: Number(s.input_bytes_read ?? 0), done: s.done === true,
  }));
  return {
    stages,
    tasks: stages.reduce((n, s) => n + s.tasks, 0),
    tasks_done: stages.reduce((n, s) => n + s.tasks_done, 0),
    tasks_running: Number(p.num_inflight_tasks ?? 0),
  };
}
