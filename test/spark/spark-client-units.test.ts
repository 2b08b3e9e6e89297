import { describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { parseSparkRemote, grpcTarget, maskToken } from '../../src/plane/spark/connection-string.js';
import { classifySparkError } from '../../src/plane/spark/spark-errors.js';
import { jobplaneSnapshotId, matchesJobplaneId } from '../../src/plane/spark/iceberg/snapshot-ids.js';
import { sparkColumns, sparkString, sparkType } from '../../src/plane/spark/iceberg/spark-sql.js';
import { relativeToLocation } from '../../src/plane/spark/iceberg/iceberg-table.js';
import { manifestPath } from '../../src/plane/spark/materialize.js';
import { parseSparkConf } from '../../src/plane/spark/spark-conf.js';

// The parts of the Spark plane that need no cluster (the rest is test/spark/*.spark.ts, `npm run test:spark`).

describe('Spark Connect connection strings', () => {
  it('reads host, port, token, use_ssl and user_id the way Spark\'s clients do', () => {
    expect(parseSparkRemote('sc://127.0.0.1')).toMatchObject({ host: '127.0.0.1', port: 15002, useSsl: false, token: undefined });
    const r = parseSparkRemote('sc://spark.example.com:443/;token=abc%3D;user_id=etl');
    expect(r).toMatchObject({ host: 'spark.example.com', port: 443, token: 'abc=', useSsl: true, userId: 'etl' });
    expect(r.display).toBe('sc://spark.example.com:443/;token=***;user_id=etl');
    expect(parseSparkRemote('sc://localhost:15002/;token=t;use_ssl=false').useSsl).toBe(false);
    expect(grpcTarget(parseSparkRemote('sc://[::1]:15003'))).toBe('[::1]:15003');
  });

  it('refuses what it cannot honour, naming the problem', () => {
    expect(() => parseSparkRemote('http://h:1')).toThrow(/scheme must be sc:\/\//);
    expect(() => parseSparkRemote('sc://h:1/path')).toThrow(/path must be empty/);
    expect(() => parseSparkRemote('sc://h/;colour=blue')).toThrow(/unknown parameter "colour"/);
    expect(() => parseSparkRemote('sc://h/;use_ssl=yes')).toThrow(/use_ssl must be true or false/);
    expect(() => parseSparkRemote('sc://h/;session_id=6f1f1a3c-0000-0000-0000-000000000000')).toThrow(/one session per job/);
    expect(() => parseSparkRemote('sc://u:p@h/;token=secret')).toThrow(/credentials/);
    expect(maskToken('sc://h/;token=secret;use_ssl=true')).toBe('sc://h/;token=***;use_ssl=true');
  });
});

describe('Spark errors -> the plane\'s error classes', () => {
  const grpcError = (code: number, details: string) => Object.assign(new Error(details), { code, details, metadata: undefined }) as never;
  const info = (reason: string, meta: Record<string, string>) => ({ reason, metadata: meta });

  it('analysis and data errors are deterministic: not retried', () => {
    const analysis = classifySparkError(grpcError(status.INTERNAL, '[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column ...'),
      info('org.apache.spark.sql.catalyst.ExtendedAnalysisException', {
        classes: JSON.stringify(['org.apache.spark.sql.catalyst.ExtendedAnalysisException', 'org.apache.spark.sql.AnalysisException']),
        errorClass: 'UNRESOLVED_COLUMN.WITH_SUGGESTION', sqlState: '42703',
      }));
    expect(analysis).toMatchObject({ kind: 'analysis', retryable: false });
    expect(analysis.value).toMatchObject({ engine: 'spark', error_class: 'UNRESOLVED_COLUMN.WITH_SUGGESTION', sql_state: '42703', grpc_code: 'INTERNAL' });
    const parse = classifySparkError(grpcError(status.INTERNAL, '[PARSE_SYNTAX_ERROR] ...'), info('org.apache.spark.sql.catalyst.parser.ParseException', { sqlState: '42601' }));
    expect(parse.retryable).toBe(false);
    const division = classifySparkError(grpcError(status.INTERNAL, '[DIVIDE_BY_ZERO] ...'), info('org.apache.spark.SparkArithmeticException', { sqlState: '22012', errorClass: 'DIVIDE_BY_ZERO' }));
    expect(division).toMatchObject({ kind: 'data', retryable: false });
  });

  it('lost connections, dropped sessions and executor failures are retried; cancellations are not', () => {
    expect(classifySparkError(grpcError(status.UNAVAILABLE, 'No connection established'), undefined)).toMatchObject({ kind: 'connection', retryable: true });
    expect(classifySparkError(grpcError(status.INTERNAL, 'Received RST_STREAM with code 2'), undefined)).toMatchObject({ kind: 'connection', retryable: true });
    expect(classifySparkError(grpcError(status.INTERNAL, '[INVALID_HANDLE.SESSION_CHANGED] The existing Spark server driver instance has restarted.'),
      info('org.apache.spark.sql.SparkSQLException', { errorClass: 'INVALID_HANDLE.SESSION_CHANGED' }))).toMatchObject({ kind: 'session', retryable: true });
    expect(classifySparkError(grpcError(status.INTERNAL, 'Job aborted due to stage failure: ExecutorLostFailure'),
      info('org.apache.spark.SparkException', { classes: '["org.apache.spark.SparkException"]' }))).toMatchObject({ kind: 'execution', retryable: true });
    expect(classifySparkError(grpcError(status.INTERNAL, '[OPERATION_CANCELED] Operation has been canceled.'),
      info('org.apache.spark.SparkSQLException', { errorClass: 'OPERATION_CANCELED' }))).toMatchObject({ kind: 'cancelled', retryable: false });
  });
});

describe('Iceberg snapshot ids in the control plane (below 2^53)', () => {
  it('are the Iceberg id\'s low 53 bits: identical below 2^53, a pure function above', () => {
    expect(jobplaneSnapshotId('6947107624467664993')).toBe(Number(6947107624467664993n & ((1n << 53n) - 1n)));
    expect(jobplaneSnapshotId('6947107624467664993')).toBeLessThan(2 ** 53);
    expect(jobplaneSnapshotId('378117241874832')).toBe(378117241874832);
    expect(matchesJobplaneId('2388370517648869709', jobplaneSnapshotId('2388370517648869709'))).toBe(true);
    expect(() => jobplaneSnapshotId('-1')).toThrow();
  });
});

describe('Spark SQL jobplane writes itself', () => {
  it('maps dataset schemas to Iceberg columns and quotes what it embeds', () => {
    expect(sparkType({ type: 'object', properties: { value: { type: 'string' }, 'we`ird': { type: 'long' } } })).toBe('STRUCT<`value`: STRING, `we``ird`: BIGINT>');
    expect(sparkType({ type: 'array', items: { type: 'timestamptz' } })).toBe('ARRAY<TIMESTAMP>');
    expect(sparkColumns({ type: 'object', properties: { d: { type: 'date' }, b: { type: 'boolean' }, x: { type: 'double' } } })).toBe('(`d` DATE, `b` BOOLEAN, `x` DOUBLE)');
    expect(sparkString("it's a \\ test")).toBe("'it\\'s a \\\\ test'");
  });

  it('names data files by their place in the table, whatever the location\'s spelling', () => {
    expect(relativeToLocation('file:///w/datasets/ds_7', 'file:/w/datasets/ds_7/data/00000-1-a.parquet')).toBe('data/00000-1-a.parquet');
    expect(relativeToLocation('s3://bucket/wh/ds_7', 's3://bucket/other/x.parquet')).toBeNull();
    expect(manifestPath(7, 'file:///w/datasets/ds_7', 'file:/w/datasets/ds_7/data/00000-1-a.parquet')).toBe('datasets/ds_7/data/00000-1-a.parquet');
  });

  it('reads per-session Spark settings from key=value lists', () => {
    expect(parseSparkConf('spark.a=1; spark.b = x=y ;')).toEqual({ 'spark.a': '1', 'spark.b': 'x=y' });
    expect(parseSparkConf(['spark.c=2'])).toEqual({ 'spark.c': '2' });
    expect(() => parseSparkConf('nonsense')).toThrow(/not key=value/);
  });
});
