import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, symlink, writeFile, cp } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where each test run compiles the CLI (under node_modules, so that compiled modules resolve its packages). */
export const CLI_BUILDS_DIR = path.join('node_modules', '.cache', 'jobplane-test-cli');

/** The environment variable through which the global setup tells every test worker where this run's build is. */
export const CLI_BUILD_ENV = 'JOBPLANE_TEST_CLI_BUILD';

/** What is compiled: the sources, and the test handlers that operators load with `--handlers`. */
const COMPILED_DIRS = ['src', 'test/fixtures'];

/**
 * Compiles `src/` and `test/fixtures/` to JavaScript in `<repo>/<outDir>`, laid out like the repository
 * (`<outDir>/src/cli/main.js`, `<outDir>/test/fixtures/handlers/test-sleep.js`), so that spawned CLIs run plain
 * JavaScript instead of loading tsx: the tsx loader, not the compilation (tsx caches that), is what makes every
 * spawn slow, and an operator given TypeScript handlers needs it however its own code is built.
 *
 * Transpile only, file by file, with esbuild: the same compiler tsx runs, so the code behaves exactly as under
 * tsx; type errors are `npm run typecheck`'s business. A run takes a few seconds (tsc -p tsconfig.build.json: minutes
 * on a loaded machine, and it cannot emit a consistent dist/ while someone's edit does not type-check). Each run
 * builds its own directory, so that concurrent runs in one working tree never see each other's half-written files.
 *
 * Returns the relative imports that resolve to nothing (a working tree caught in the middle of someone's edit: a
 * module imported before it is written); such a build must not be used.
 *
 * Beside the modules: the SQL migrations (read at run time next to src/store/migrate), and links to the files that
 * the sources find relative to the package root (`dist/ui` for the dashboard, `spark/` for the Spark plane).
 */
export async function buildCli(outDir: string): Promise<string[]> {
  // Imported here, not at the top: test workers import this module for its constants only.
  const { transform } = await import('esbuild');
  const out = path.join(ROOT, outDir);
  await rm(out, { recursive: true, force: true });
  const files = (await Promise.all(COMPILED_DIRS.map((dir) => listFiles(dir)))).flat();
  const unresolved: string[] = [];
  await Promise.all(files.map(async (rel) => {
    const dest = path.join(out, rel);
    await mkdir(path.dirname(dest), { recursive: true });
    if (!rel.endsWith('.ts') || rel.endsWith('.d.ts')) {
      await cp(path.join(ROOT, rel), dest); // migrations, fixture data
      return;
    }
    const source = await readFile(path.join(ROOT, rel), 'utf8');
    const { code } = await transform(source, {
      loader: 'ts', format: 'esm', target: 'es2022', sourcefile: path.join(ROOT, rel),
      // As tsconfig.json: ES2022 class fields.
      tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } },
    });
    await writeFile(`${dest.slice(0, -'.ts'.length)}.js`, code);
    for (const [, spec] of code.matchAll(RELATIVE_IMPORT)) {
      const target = path.resolve(path.dirname(path.join(ROOT, rel)), spec!);
      const compiledFrom = spec!.endsWith('.js') ? path.relative(ROOT, `${target.slice(0, -'.js'.length)}.ts`) : undefined;
      if (!(compiledFrom && files.includes(compiledFrom)) && !existsSync(target)) unresolved.push(`${rel} imports ${spec}`);
    }
  }));
  for (const link of ['dist', 'spark']) {
    await symlink(path.join(ROOT, link), path.join(out, link)).catch(() => {});
  }
  return unresolved;
}

/** `from './x.js'`, `import('../y.js')`, `import './z.js'` in compiled code. */
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(ROOT, dir), { withFileTypes: true });
  const nested = await Promise.all(entries.map(async (e) => {
    const rel = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(rel) : [rel];
  }));
  return nested.flat();
}

export async function removeCliBuild(outDir: string): Promise<void> {
  await rm(path.join(ROOT, outDir), { recursive: true, force: true });
}

/** Removes builds of earlier runs that did not get to clean up (killed), once they are a day old. */
export async function pruneOldBuilds(olderThanMs = 86_400_000): Promise<void> {
  const dir = path.join(ROOT, CLI_BUILDS_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.map(async (name) => {
    const full = path.join(dir, name);
    const info = await stat(full).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > olderThanMs) await rm(full, { recursive: true, force: true });
  }));
}
