/**
 * The Spark home of the development/CI cluster: `spark/home/` (gitignored), filled from the committed
 * `spark/pom.xml` by Maven: `jars/` (Spark, Spark Connect, the Iceberg runtime and their dependencies, the classpath
 * Spark's launcher builds for every JVM of the cluster) and `proto/` (the Spark Connect .proto files).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface SparkLayout {
  /** spark/ in the package: pom.xml and conf/. */
  sparkDir: string;
  pom: string;
  confDir: string;
  /** SPARK_HOME: jars/, proto/, and the cluster's run/, work/ and warehouse/ directories. */
  home: string;
  jars: string;
  run: string;
  work: string;
  warehouse: string;
}

export function sparkLayout(env: NodeJS.ProcessEnv = process.env): SparkLayout {
  const sparkDir = path.join(PACKAGE_ROOT, 'spark');
  const home = path.resolve(env['JOBPLANE_SPARK_HOME'] ?? path.join(sparkDir, 'home'));
  return {
    sparkDir, pom: path.join(sparkDir, 'pom.xml'), confDir: path.join(sparkDir, 'conf'),
    home, jars: path.join(home, 'jars'), run: path.join(home, 'run'), work: path.join(home, 'work'),
    warehouse: path.resolve(env['JOBPLANE_SPARK_WAREHOUSE'] ?? path.join(home, 'warehouse')),
  };
}

/** The pom's digest, recorded once its jars are in place: a changed pom means fetching again. */
async function pomDigest(layout: SparkLayout): Promise<string> {
  return createHash('sha256').update(await readFile(layout.pom)).digest('hex');
}

const stampOf = (layout: SparkLayout) => path.join(layout.home, '.pom-sha256');

export async function sparkHomeReady(layout: SparkLayout): Promise<boolean> {
  if (!existsSync(path.join(layout.home, 'proto', 'spark', 'connect', 'base.proto'))) return false;
  try {
    return (await readFile(stampOf(layout), 'utf8')).trim() === await pomDigest(layout);
  } catch {
    // No stamp: Maven was run by hand (`mvn -f spark/pom.xml package`, as CI does). Its jars count if they were
    // copied after the pom last changed; the stamp is written then, so a later pom change is seen.
    try {
      if ((await stat(layout.jars)).mtimeMs < (await stat(layout.pom)).mtimeMs) return false;
      await writeFile(stampOf(layout), `${await pomDigest(layout)}\n`);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Fetches the jars and protos with `mvn package` unless they match the pom already. Needs Maven and a JDK; prints
 * Maven's own output to `log`.
 */
export async function ensureSparkHome(layout: SparkLayout, log: (line: string) => void = () => {}): Promise<void> {
  if (await sparkHomeReady(layout)) return;
  log(`fetching Spark's jars into ${layout.jars} (mvn -f ${layout.pom} package)`);
  // SPARK_HOME may live elsewhere (JOBPLANE_SPARK_HOME): the pom writes to spark/home, so point it there.
  const args = ['-q', '-B', '-f', layout.pom, 'package'];
  if (layout.home !== path.join(layout.sparkDir, 'home')) args.push(`-Djobplane.spark.home=${layout.home}`);
  await run('mvn', args);
  if (!existsSync(layout.jars)) throw new Error(`mvn finished but ${layout.jars} is missing`);
  await writeFile(stampOf(layout), `${await pomDigest(layout)}\n`);
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (err) => reject(new Error(`${cmd} could not start (${err.message}): install Maven and a JDK 17+ (apt-get install maven openjdk-17-jdk-headless)`)));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}
