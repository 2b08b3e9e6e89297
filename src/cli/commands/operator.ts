import type { Command } from 'commander';
import { createLogger, resolveLogFormat } from '../../server/logging.js';
import { orphanSweepFromEnv } from '../../config.js';
import { DEFAULT_ENGINE, ENGINES, isEngine, type Engine } from '../../core/engines.js';
import { parseSparkConf } from '../../plane/spark/spark-conf.js';
import { OPERATOR_DEFAULTS, startOperator, type RunningOperator } from '../../plane/operator/index.js';

interface OperatorFlags {
  api?: string;
  token?: string;
  dataPlane?: string;
  pool?: string;
  slots?: number;
  types?: string;
  handlers?: string[];
  builtins?: boolean;
  name?: string;
  grace?: number;
  logFormat?: string;
  storageRoot?: string;
  engine?: string;
  sparkRemote?: string;
  sparkConf?: string[];
}

function positiveInt(name: string) {
  return (text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${text}"`);
    return n;
  };
}

function engineOf(value: string | undefined): Engine | undefined {
  if (value === undefined) return undefined;
  if (!isEngine(value)) throw new Error(`--engine must be one of ${ENGINES.join(', ')}, got "${value}"`);
  return value;
}

function required(value: string | undefined, flag: string, env: string): string {
  if (!value) throw new Error(`${flag} (or env ${env}) is required`);
  return value;
}

export function registerOperator(program: Command): void {
  program
    .command('operator')
    .description('run a data-plane operator: claim the jobs of one data plane over HTTP and run them')
    .option('--api <url>', 'control plane URL (env JOBPLANE_API)')
    .option('--token <token>', 'operator token (env JOBPLANE_TOKEN; prefer the env, flags show in ps)')
    .option('--data-plane <uuid>', 'the data plane to serve (env JOBPLANE_DATA_PLANE)')
    .option('--pool <uuid>', 'run as a member of this compute pool (env JOBPLANE_COMPUTE_POOL)')
    .option('--slots <n>', `jobs run at once (default ${OPERATOR_DEFAULTS.slots})`, positiveInt('--slots'))
    .option('--types <list>', 'only these job types, comma-separated (default: every handler)')
    .option('--handlers <module...>', 'modules exporting job handlers (paths or package names)')
    .option('--no-builtins', 'do not load the built-in handlers')
    .option('--name <name>', 'a label shown in GET /executors')
    .option('--storage-root <dir>', 'where the plane\'s dataset files live (env JOBPLANE_STORAGE_ROOT or JOBPLANE_STORAGE_DIR, default ./.jobplane/storage)')
    .option('--engine <engine>', `the plane's engine, which picks the built-in handlers: ${ENGINES.join(' or ')} (env JOBPLANE_ENGINE, default ${DEFAULT_ENGINE})`)
    .option('--spark-remote <sc-url>', 'a Spark plane\'s Spark Connect endpoint, sc://host:port/;token=...;use_ssl=true (env JOBPLANE_SPARK_REMOTE)')
    .option('--spark-conf <key=value...>', 'Spark settings for every session of a Spark plane\'s jobs (env JOBPLANE_SPARK_CONF, key=value;key=value)')
    .option('--grace <ms>', `on SIGTERM, how long running jobs may finish (env JOBPLANE_DRAIN_GRACE_MS, default ${OPERATOR_DEFAULTS.graceMs})`, positiveInt('--grace'))
    .option('--log-format <format>', 'pretty or json (env JOBPLANE_LOG_FORMAT; default pretty on a terminal, else json)')
    .action(async (o: OperatorFlags) => {
      const env = process.env;
      const logger = createLogger({ level: env['LOG_LEVEL'] ?? 'info', format: resolveLogFormat(o.logFormat, env, process.stdout.isTTY === true) });
      const graceEnv = env['JOBPLANE_DRAIN_GRACE_MS'];
      const startup = new AbortController();
      let operator: RunningOperator | undefined;
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        logger.info({ signal }, signals > 1 ? 'signal again: aborting running jobs now' : 'signal: draining');
        if (!operator) {
          startup.abort();
          return;
        }
        operator.stop().then(() => process.exit(0), (err: unknown) => {
          logger.error({ err }, 'stop failed');
          process.exit(1);
        });
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      // A handler's stray promise must not take down the other jobs of this operator.
      process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection (ignored)'));

      try {
        operator = await startOperator({
          apiUrl: required(o.api ?? env['JOBPLANE_API'], '--api', 'JOBPLANE_API'),
          token: required(o.token ?? env['JOBPLANE_TOKEN'], '--token', 'JOBPLANE_TOKEN'),
          dataPlaneId: required(o.dataPlane ?? env['JOBPLANE_DATA_PLANE'], '--data-plane', 'JOBPLANE_DATA_PLANE'),
          computePoolId: o.pool ?? (env['JOBPLANE_COMPUTE_POOL'] || undefined),
          slots: o.slots,
          types: o.types?.split(',').map((t) => t.trim()).filter(Boolean),
          handlerModules: o.handlers,
          builtins: o.builtins,
          name: o.name,
          // JOBPLANE_STORAGE_DIR is serve's name for the same directory: accepted too, so one env fits both.
          storageRoot: o.storageRoot ?? (env['JOBPLANE_STORAGE_ROOT'] || env['JOBPLANE_STORAGE_DIR'] || undefined),
          engine: engineOf(o.engine ?? (env['JOBPLANE_ENGINE'] || undefined)),
          sparkRemote: o.sparkRemote ?? (env['JOBPLANE_SPARK_REMOTE'] || undefined),
          sparkConf: o.sparkConf ? parseSparkConf(o.sparkConf) : env['JOBPLANE_SPARK_CONF'] ? parseSparkConf(env['JOBPLANE_SPARK_CONF']) : undefined,
          graceMs: o.grace ?? (graceEnv ? positiveInt('JOBPLANE_DRAIN_GRACE_MS')(graceEnv) : undefined),
          orphanSweep: orphanSweepFromEnv(env),
          logger,
          signal: startup.signal,
        });
      } catch (err) {
        if (startup.signal.aborted) process.exit(0); // stopped before it ever registered
        throw err;
      }
    });
}
