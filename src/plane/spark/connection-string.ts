/**
 * Spark Connect connection strings, as every Spark Connect client reads them (Spark's
 * `connector/connect/docs/client-connection-string.md`): `sc://host[:port]/[;param=value]*`.
 *
 * - port: default 15002.
 * - token: a bearer token, sent as `authorization: Bearer <token>` on every call. A token travels over TLS: it
 *   turns `use_ssl` on unless the string says `use_ssl=false` (a loopback server with a local auth token).
 * - use_ssl: `true` for TLS with the system's roots.
 * - user_id: the user the server runs the session as (default: the OS user name, like the other clients).
 * - user_agent: shown in the server's logs and UI (default `jobplane`).
 * - session_id: not used here: every jobplane job runs in a session of its own (its settings, e.g. the WAP id,
 *   must not leak into another job), so a fixed session id is refused rather than ignored.
 */
import os from 'node:os';

export interface SparkRemote {
  host: string;
  port: number;
  useSsl: boolean;
  token: string | undefined;
  userId: string;
  userAgent: string;
  /** The string as given, with the token masked: for logs and error messages. */
  display: string;
}

export const DEFAULT_SPARK_CONNECT_PORT = 15002;

export class InvalidSparkRemote extends Error {
  constructor(remote: string, why: string) {
    super(`invalid Spark Connect remote ${JSON.stringify(maskToken(remote))}: ${why} (expected sc://host:port/;token=...;use_ssl=true)`);
    this.name = 'InvalidSparkRemote';
  }
}

export function parseSparkRemote(remote: string): SparkRemote {
  if (!remote.startsWith('sc://')) throw new InvalidSparkRemote(remote, 'the scheme must be sc://');
  const rest = remote.slice('sc://'.length);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const tail = slash < 0 ? '' : rest.slice(slash + 1);
  if (authority === '') throw new InvalidSparkRemote(remote, 'a host is required');
  let url: URL;
  try {
    url = new URL(`http://${authority}`);
  } catch {
    throw new InvalidSparkRemote(remote, `"${authority}" is not a valid host[:port]`);
  }
  if (url.username || url.password) throw new InvalidSparkRemote(remote, 'credentials go in ;token=..., not in the host');
  const port = url.port === '' ? DEFAULT_SPARK_CONNECT_PORT : Number(url.port);
  // The path must be empty: parameters follow as ;key=value segments.
  const segments = tail.split(';');
  if (segments[0] !== '') throw new InvalidSparkRemote(remote, 'the path must be empty; parameters follow as ;key=value');
  const params = new Map<string, string>();
  for (const segment of segments.slice(1)) {
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    if (eq <= 0) throw new InvalidSparkRemote(remote, `parameter "${segment}" is not key=value`);
    const key = segment.slice(0, eq);
    const value = decodeURIComponent(segment.slice(eq + 1));
    if (!KNOWN.has(key)) throw new InvalidSparkRemote(remote, `unknown parameter "${key}" (known: ${[...KNOWN].join(', ')})`);
    params.set(key, value);
  }
  if (params.has('session_id')) {
    throw new InvalidSparkRemote(remote, 'session_id cannot be fixed: jobplane opens one session per job');
  }
  const sslParam = params.get('use_ssl');
  if (sslParam !== undefined && sslParam !== 'true' && sslParam !== 'false') {
    throw new InvalidSparkRemote(remote, 'use_ssl must be true or false');
  }
  const token = params.get('token');
  if (token === '') throw new InvalidSparkRemote(remote, 'token must not be empty');
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    useSsl: sslParam === undefined ? token !== undefined : sslParam === 'true',
    token,
    userId: params.get('user_id') ?? safeUserName(),
    userAgent: params.get('user_agent') ?? 'jobplane',
    display: maskToken(remote),
  };
}

const KNOWN = new Set(['token', 'use_ssl', 'user_id', 'user_agent', 'session_id']);

/** `host:port` for gRPC, with IPv6 hosts in brackets. */
export function grpcTarget(remote: SparkRemote): string {
  return `${remote.host.includes(':') ? `[${remote.host}]` : remote.host}:${remote.port}`;
}

export function maskToken(remote: string): string {
  return remote.replace(/;token=[^;]*/g, ';token=***');
}

function safeUserName(): string {
  try {
    return os.userInfo().username || 'jobplane';
  } catch {
    return 'jobplane';
  }
}
