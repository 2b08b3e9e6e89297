import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * `--log-format`, else `JOBPLANE_LOG_FORMAT`, else pretty on a terminal and JSON lines otherwise: a person at a
 * terminal reads one short line per event, while log shippers, systemd's journal and the tests (which parse the
 * JSON lines of spawned processes) get JSON whenever stdout is a pipe or a file.
 */
export function resolveLogFormat(flag: string | undefined, env: NodeJS.ProcessEnv, isTty: boolean): LogFormat {
  const given = flag ?? (env['JOBPLANE_LOG_FORMAT'] || undefined);
  if (given === undefined) return isTty ? 'pretty' : 'json';
  if (!(LOG_FORMATS as readonly string[]).includes(given)) {
    throw new Error(`--log-format/JOBPLANE_LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}, got "${given}"`);
  }
  return given as LogFormat;
}

/**
 * The process logger: pino, writing JSON lines, or through pino-pretty (synchronously, in this thread, so that the
 * last lines before an exit are not lost) as `12:01:02.345 INFO (api): jobplane serving {url: ...}` lines.
 */
export function createLogger(opts: { level: string; format: LogFormat }): Logger {
  if (opts.format === 'json') return pino({ level: opts.level });
  const stream = pretty({
    colorize: pretty.isColorSupported, singleLine: true, sync: true,
    translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,component', messageFormat: '{if component}({component}) {end}{msg}',
    hideObject: false,
  });
  return pino({ level: opts.level }, stream);
}
