/**
 * The Spark Connect protocol, loaded at run time from the `.proto` files of the pinned server jar.
 *
 * `mvn -f spark/pom.xml package` (run by `jobplane spark up`) unpacks `spark/connect/*.proto` and `google/rpc/*.proto`
 * from `spark-connect_2.13-<version>.jar` into `spark/home/proto/`; a deployment that talks to its own cluster can
 * point `JOBPLANE_SPARK_PROTO_DIR` at the protos of its server's version. Nothing here is generated or copied into
 * the source tree, and nothing is loaded until a Spark plane starts: the DuckDB-only install never needs Java,
 * Maven or these files.
 *
 * The TypeScript types in spark-messages.ts name only the fields jobplane reads or sets; the wire layout comes from
 * the .proto files (proto-loader with keepCase, so field names are the protocol's own snake_case names).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Where `spark/home/proto` lies: the package root is three levels above this file, in src/ and in dist/ alike. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function protoDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['JOBPLANE_SPARK_PROTO_DIR'] ?? path.join(path.resolve(env['JOBPLANE_SPARK_HOME'] ?? path.join(PACKAGE_ROOT, 'spark', 'home')), 'proto');
}

export class SparkProtocolMissing extends Error {
  constructor(dir: string) {
    super(`the Spark Connect .proto files are not in ${dir}: run \`jobplane spark setup\` (or \`mvn -f spark/pom.xml package\`), ` +
      'or set JOBPLANE_SPARK_PROTO_DIR to a directory holding spark/connect/base.proto');
    this.name = 'SparkProtocolMissing';
  }
}

/** The service constructor plus decoders for the error details that ride on gRPC trailers. */
export interface SparkProtocol {
  Service: grpc.ServiceClientConstructor;
  /** Decodes `grpc-status-details-bin` (google.rpc.Status) into its ErrorInfo, if any. */
  decodeErrorInfo(statusDetails: Buffer): { reason: string; domain: string; metadata: Record<string, string> } | undefined;
}

let loaded: Promise<SparkProtocol> | undefined;

export function loadSparkProtocol(dir = protoDir()): Promise<SparkProtocol> {
  loaded ??= load(dir).catch((err: unknown) => {
    loaded = undefined;
    throw err;
  });
  return loaded;
}

async function load(dir: string): Promise<SparkProtocol> {
  if (!existsSync(path.join(dir, 'spark', 'connect', 'base.proto'))) throw new SparkProtocolMissing(dir);
  const definition = await protoLoader.load(['spark/connect/base.proto'], {
    includeDirs: [dir], keepCase: true, longs: String, enums: String, defaults: false, oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { spark: { connect: { SparkConnectService: grpc.ServiceClientConstructor } } };
  // google.rpc.Status/ErrorInfo are not part of any RPC, so proto-loader gives no decoder for them; protobufjs
  // (proto-loader's own parser) reads the jar's copies of those .proto files.
  const protobuf = (await import('protobufjs')).default;
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string) => (existsSync(path.join(dir, target)) ? path.join(dir, target) : target);
  await root.load(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
  const Status = root.lookupType('google.rpc.Status');
  const ErrorInfo = root.lookupType('google.rpc.ErrorInfo');
  return {
    Service: pkg.spark.connect.SparkConnectService,
    decodeErrorInfo(details) {
      try {
        const status = Status.toObject(Status.decode(details), { defaults: false }) as { details?: Array<{ type_url: string; value: Uint8Array }> };
        const info = status.details?.find((d) => d.type_url.endsWith('/google.rpc.ErrorInfo'));
        if (!info) return undefined;
        const e = ErrorInfo.toObject(ErrorInfo.decode(info.value), { defaults: true }) as { reason: string; domain: string; metadata: Record<string, string> };
        return { reason: e.reason, domain: e.domain, metadata: e.metadata ?? {} };
      } catch {
        return undefined; // malformed details: the status message alone still describes the error
      }
    },
  };
}
