/**
 * A standalone Spark cluster on this machine, from Spark's own parts: one master, two workers (separate JVMs, each
 * launching its own executor JVM), and the Spark Connect server submitted to that master as an application with the
 * `narrative` Iceberg catalog. Spark schedules and distributes; this file only starts, checks and stops processes.
 *
 * Every JVM command line comes from Spark's launcher (`org.apache.spark.launcher.Main`, what bin/spark-class runs):
 * it builds the classpath from SPARK_HOME/jars, reads SPARK_CONF_DIR/spark-defaults.conf and adds the --add-opens
 * options Java 17 needs. Each daemon runs in its own process group (so stopping one takes its children: a worker's
 * executors), with its pid in run/<name>.pid and its output in run/<name>.log.
 */
import { spawn, execFile } from 'node:child_process';
import { openSync, closeSync, existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { SparkConnect } from '../spark-connect.js';
import { ensureSparkHome, sparkLayout, type SparkLayout } from './spark-home.js';

const execFileP = promisify(execFile);

export interface LocalClusterConfig {
  layout: SparkLayout;
  host: string;
  masterPort: number;
  masterUiPort: number;
  workerUiPorts: [number, number];
  connectPort: number;
  driverUiPort: number;
  workerCores: number;
  workerMemory: string;
  daemonMemory: string;
}

export function localClusterConfig(env: NodeJS.ProcessEnv = process.env): LocalClusterConfig {
  const int = (name: string, dflt: number) => {
    const v = env[name];
    if (v === undefined || v === '') return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a port number, got "${v}"`);
    return n;
  };
  return {
    layout: sparkLayout(env),
    host: '127.0.0.1',
    masterPort: int('JOBPLANE_SPARK_MASTER_PORT', 7078),
    masterUiPort: int('JOBPLANE_SPARK_MASTER_UI_PORT', 8088),
    workerUiPorts: [int('JOBPLANE_SPARK_WORKER1_UI_PORT', 8091), int('JOBPLANE_SPARK_WORKER2_UI_PORT', 8092)],
    connectPort: int('JOBPLANE_SPARK_CONNECT_PORT', 15002),
    driverUiPort: int('JOBPLANE_SPARK_DRIVER_UI_PORT', 4041),
    workerCores: 1,
    workerMemory: env['JOBPLANE_SPARK_WORKER_MEMORY'] ?? '2g',
    daemonMemory: '512m',
  };
}

export const connectRemoteOf = (c: LocalClusterConfig) => `sc://${c.host}:${c.connectPort}`;
export const masterUrlOf = (c: LocalClusterConfig) => `spark://${c.host}:${c.masterPort}`;
export const masterUiOf = (c: LocalClusterConfig) => `http://${c.host}:${c.masterUiPort}`;
export const driverUiOf = (c: LocalClusterConfig) => `http://${c.host}:${c.driverUiPort}`;

type Daemon = 'master' | 'worker-1' | 'worker-2' | 'connect';
const DAEMONS: readonly Daemon[] = ['master', 'worker-1', 'worker-2', 'connect'];

export interface ClusterStatus {
  master: { url: string; ui: string; status: string | null; alive_workers: number };
  workers: Array<{ id: string; state: string; cores: number; memory_mb: number; webui: string }>;
  connect: { remote: string; reachable: boolean; app_id: string | null; executors: number };
  processes: Record<Daemon, number | null>;
}

/** Starts whatever part of the cluster is not running, and waits until Spark Connect answers with two executors. */
export async function startLocalCluster(config = localClusterConfig(), log: (line: string) => void = () => {}): Promise<ClusterStatus> {
  const { layout } = config;
  await ensureSparkHome(layout, log);
  await mkdir(layout.run, { recursive: true });
  await mkdir(layout.warehouse, { recursive: true });
  if (!(await alive(config, 'master'))) {
    log(`starting the master at ${masterUrlOf(config)} (UI ${masterUiOf(config)})`);
    await launch(config, 'master', 'org.apache.spark.deploy.master.Master', [
      '--host', config.host, '--port', String(config.masterPort), '--webui-port', String(config.masterUiPort),
    ]);
  }
  await waitUntil('the master to be ALIVE', 90_000, async () => (await masterState(config))?.status === 'ALIVE');
  for (const [i, name] of (['worker-1', 'worker-2'] as const).entries()) {
    if (await alive(config, name)) continue;
    log(`starting ${name} (${config.workerCores} core, ${config.workerMemory})`);
    await launch(config, name, 'org.apache.spark.deploy.worker.Worker', [
      '--host', config.host, '--cores', String(config.workerCores), '--memory', config.workerMemory,
      '--webui-port', String(config.workerUiPorts[i]), '--work-dir', path.join(layout.work, name), masterUrlOf(config),
    ]);
  }
  await waitUntil('two workers to register', 120_000, async () => ((await masterState(config))?.aliveworkers ?? 0) >= 2);
  if (!(await alive(config, 'connect'))) await startConnectServer(config, log);
  await waitForConnect(config);
  return clusterStatus(config);
}

/** The Spark Connect server: `spark-submit --class SparkConnectServer` in client mode against the master. */
export async function startConnectServer(config = localClusterConfig(), log: (line: string) => void = () => {}): Promise<void> {
  log(`starting the Spark Connect server at ${connectRemoteOf(config)} (driver UI ${driverUiOf(config)})`);
  await launch(config, 'connect', 'org.apache.spark.deploy.SparkSubmit', [
    '--master', masterUrlOf(config),
    '--class', 'org.apache.spark.sql.connect.service.SparkConnectServer',
    '--name', 'jobplane-spark-connect',
    '--conf', `spark.connect.grpc.binding.port=${config.connectPort}`,
    '--conf', `spark.ui.port=${config.driverUiPort}`,
    '--conf', `spark.sql.catalog.narrative.warehouse=file://${config.layout.warehouse}`,
    'spark-internal',
  ]);
}

/** Waits until the connect server runs queries and its application holds an executor on each worker. */
export async function waitForConnect(config = localClusterConfig(), timeoutMs = 180_000): Promise<void> {
  await waitUntil('Spark Connect to answer', timeoutMs, async () => {
    if (!(await alive(config, 'connect'))) throw new Error(`the Spark Connect server exited; see ${logOf(config, 'connect')}`);
    const sc = await SparkConnect.open(connectRemoteOf(config));
    const session = await sc.openSession();
    try {
      await session.query('CREATE NAMESPACE IF NOT EXISTS narrative.datasets');
      return true;
    } catch {
      return false;
    } finally {
      await session.release();
      sc.close();
    }
  });
  await waitUntil('an executor on each worker', timeoutMs, async () => (await appExecutors(config)).length >= 2);
}

/** Stops the given daemons (default: all, connect server first), each with its process group. */
export async function stopLocalCluster(config = localClusterConfig(), which: readonly Daemon[] = [...DAEMONS].reverse(),
  log: (line: string) => void = () => {}): Promise<void> {
  for (const name of which) {
    const pid = await pidOf(config, name);
    if (pid === null) continue;
    log(`stopping ${name} (pid ${pid})`);
    signalGroup(pid, 'SIGTERM');
    const stopped = await waitUntil(`${name} to exit`, 20_000, async () => !isRunning(pid)).then(() => true, () => false);
    if (!stopped) signalGroup(pid, 'SIGKILL');
    await rm(pidFile(config, name), { force: true });
  }
}

export async function clusterStatus(config = localClusterConfig()): Promise<ClusterStatus> {
  const state = await masterState(config);
  const processes = Object.fromEntries(await Promise.all(DAEMONS.map(async (d) => [d, await alive(config, d) ? await pidOf(config, d) : null]))) as Record<Daemon, number | null>;
  const app = state?.activeapps?.find((a) => a.name === 'jobplane-spark-connect');
  let reachable = false;
  if (processes.connect !== null) {
    const sc = await SparkConnect.open(connectRemoteOf(config)).catch(() => undefined);
    reachable = sc ? await sc.waitForReady(3_000).then(() => true, () => false) : false;
    sc?.close();
  }
  return {
    master: { url: masterUrlOf(config), ui: masterUiOf(config), status: state?.status ?? null, alive_workers: state?.aliveworkers ?? 0 },
    workers: (state?.workers ?? []).filter((w) => w.state === 'ALIVE').map((w) => ({
      id: w.id, state: w.state, cores: w.cores, memory_mb: w.memory, webui: w.webuiaddress,
    })),
    connect: { remote: connectRemoteOf(config), reachable, app_id: app?.id ?? null, executors: reachable ? (await appExecutors(config)).length : 0 },
    processes,
  };
}

// ---- Spark's own status APIs ---------------------------------------------------------------------------------

interface MasterState {
  status: string;
  aliveworkers: number;
  workers: Array<{ id: string; host: string; port: number; state: string; cores: number; memory: number; webuiaddress: string }>;
  activeapps: Array<{ id: string; name: string; cores: number; state: string }>;
}

/** The master's state (`/json/`), or null when it does not answer. */
export async function masterState(config: LocalClusterConfig): Promise<MasterState | null> {
  return getJson<MasterState>(`${masterUiOf(config)}/json/`);
}

export interface ExecutorSummary {
  id: string;
  hostPort: string;
  isActive: boolean;
  totalTasks: number;
  completedTasks: number;
  failedTasks: number;
  activeTasks: number;
}

/** The connect application's id, from the driver's REST API. */
export async function appId(config: LocalClusterConfig): Promise<string | null> {
  const apps = await getJson<Array<{ id: string }>>(`${driverUiOf(config)}/api/v1/applications`);
  return apps?.[0]?.id ?? null;
}

/** The application's live executors (the driver excluded), from the driver's REST API. */
export async function appExecutors(config: LocalClusterConfig): Promise<ExecutorSummary[]> {
  const id = await appId(config);
  if (!id) return [];
  const all = await getJson<ExecutorSummary[]>(`${driverUiOf(config)}/api/v1/applications/${id}/executors`);
  return (all ?? []).filter((e) => e.id !== 'driver' && e.isActive);
}

/** Spark jobs of the application (the driver's REST API), newest first. */
export async function appJobs(config: LocalClusterConfig): Promise<Array<{ jobId: number; status: string; jobTags?: string[]; numActiveTasks: number; numKilledTasks: number; submissionTime?: string; completionTime?: string }>> {
  const id = await appId(config);
  if (!id) return [];
  return (await getJson(`${driverUiOf(config)}/api/v1/applications/${id}/jobs`)) ?? [];
}

/** Executors a worker runs (its `/json/`): which worker an executor id belongs to. */
export async function workerExecutors(webui: string): Promise<Array<{ id: number; appid: string }>> {
  const state = await getJson<{ executors: Array<{ id: number; appid: string }> }>(`${webui}/json/`);
  return state?.executors ?? [];
}

async function getJson<T>(url: string): Promise<T | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return res.ok ? ((await res.json()) as T) : null;
  } catch {
    return null;
  }
}

// ---- processes ------------------------------------------------------------------------------------------------

const pidFile = (c: LocalClusterConfig, name: Daemon) => path.join(c.layout.run, `${name}.pid`);
export const logOf = (c: LocalClusterConfig, name: Daemon) => path.join(c.layout.run, `${name}.log`);

function javaBin(env: NodeJS.ProcessEnv): string {
  return env['JAVA_HOME'] ? path.join(env['JAVA_HOME'], 'bin', 'java') : 'java';
}

function sparkEnv(config: LocalClusterConfig): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SPARK_HOME: config.layout.home,
    SPARK_CONF_DIR: config.layout.confDir,
    // The launcher looks for a build directory to learn the Scala version unless told.
    SPARK_SCALA_VERSION: '2.13',
    SPARK_DAEMON_MEMORY: config.daemonMemory,
    SPARK_LOCAL_IP: config.host,
    SPARK_LOG_DIR: config.layout.run,
    SPARK_PID_DIR: config.layout.run,
  };
}

/** Asks Spark's launcher for the JVM command of `mainClass args`, then runs it detached in its own process group. */
async function launch(config: LocalClusterConfig, name: Daemon, mainClass: string, args: string[]): Promise<number> {
  const env = sparkEnv(config);
  let stdout: string;
  try {
    ({ stdout } = await execFileP(javaBin(env), ['-Xmx128m', '-cp', path.join(config.layout.jars, '*'), 'org.apache.spark.launcher.Main', mainClass, ...args],
      { env, maxBuffer: 16 * 1024 * 1024 }));
  } catch (err) {
    throw new Error(`Spark's launcher failed for ${name} (is a JDK 17+ installed, or JAVA_HOME set?): ${(err as Error).message}`);
  }
  // NUL-separated arguments (bin/spark-class reads them the same way).
  const command = stdout.split('\0').map((a) => a.replace(/^\n/, '')).filter((a) => a !== '');
  const [bin, ...rest] = command;
  if (!bin) throw new Error(`Spark's launcher printed no command for ${name}`);
  const out = openSync(logOf(config, name), 'a');
  try {
    const child = spawn(bin, rest, { env, detached: true, stdio: ['ignore', out, out], cwd: config.layout.home });
    child.unref();
    if (child.pid === undefined) throw new Error(`${name} did not start`);
    await writeFile(pidFile(config, name), `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

async function pidOf(config: LocalClusterConfig, name: Daemon): Promise<number | null> {
  const file = pidFile(config, name);
  if (!existsSync(file)) return null;
  const pid = Number((await readFile(file, 'utf8')).trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

async function alive(config: LocalClusterConfig, name: Daemon): Promise<boolean> {
  const pid = await pidOf(config, name);
  return pid !== null && isRunning(pid);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the daemon's process group: the worker's executors too
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
