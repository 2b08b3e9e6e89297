import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cliArgv, REPO_ROOT } from '../support/spawn.js';

/**
 * The documentation's shell snippets, run as written (docs/cli.md, "Snippets in the docs are tested"):
 * - every ```sh block of README.md and docs/*.md is run with bash (`set -euo pipefail`), in order per file, the
 *   variables and functions of one block carried into the next ones of that file; ```console blocks are shown only;
 * - `http://127.0.0.1:8080` is replaced by the test server's URL and the data dir `.jobplane` by its own;
 * - `jobplane` on the PATH is this checkout's CLI; the working directory is a scratch dir that links the
 *   checkout's `test/` (fixtures), `docs/`, `bin/`, `dist/`, `src/` and `node_modules/`;
 * - a line that ends in `# prints: TEXT` must print TEXT (somewhere in its output).
 */
export interface Snippet {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
}

export function extractSnippets(file: string, markdown: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l));
    if (end < 0) throw new Error(`${file}:${i + 1}: unterminated code block`);
    if (open[2] === 'sh') out.push({ file, line: i + 1, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}

export interface SnippetTarget {
  url: string;
  dataDir: string;
}

const PRINTS = /^(.*?)\s+# prints: (.+)$/;

/** The block as bash runs it: the server's URL and data dir, and each `# prints:` line checked. */
export function transform(code: string, target: SnippetTarget): string {
  return code
    .replaceAll('http://127.0.0.1:8080', target.url)
    .replace(/(?<![\w/.-])\.jobplane(?=\/|\s|$|")/g, target.dataDir)
    .split('\n')
    .map((line, i, lines) => {
      const m = PRINTS.exec(line);
      if (!m || m[1]!.trim() === '' || m[1]!.trimStart().startsWith('#')) return line;
      if (i > 0 && lines[i - 1]!.trimEnd().endsWith('\\')) {
        throw new Error(`"# prints:" needs a one-line command, but this line continues the one before: ${line.trim()}`);
      }
      const expected = m[2]!.trim();
      return `__jp_out=$(${m[1]!.trim()}); printf '%s\\n' "$__jp_out"; __jp_expect ${shellQuote(expected)} "$__jp_out"`;
    })
    .join('\n');
}

export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface SnippetRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A scratch working directory and a `jobplane` on the PATH, for one docs run. */
export async function prepareWorkspace(dir: string): Promise<{ cwd: string; bin: string }> {
  const cwd = path.join(dir, 'work');
  const bin = path.join(dir, 'bin');
  await mkdir(cwd, { recursive: true });
  await mkdir(bin, { recursive: true });
  for (const name of ['test', 'docs', 'bin', 'dist', 'src', 'node_modules', 'package.json']) {
    await symlink(path.join(REPO_ROOT, name), path.join(cwd, name));
  }
  const argv = cliArgv([]).map((a) => (a.endsWith('main.js') || a.endsWith('main.ts') ? path.join(REPO_ROOT, a) : a));
  await writeFile(path.join(bin, 'jobplane'), `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${argv.map(shellQuote).join(' ')} "$@"\n`);
  await chmod(path.join(bin, 'jobplane'), 0o755);
  return { cwd, bin };
}

/**
 * Runs one block in bash with the variables and functions `envIn` holds (from the blocks before it), and writes
 * those it leaves to `envOut`.
 */
export async function runSnippet(block: string, opts: { cwd: string; bin: string; dataDir: string; envIn?: string; envOut: string; timeoutMs: number }): Promise<SnippetRun> {
  const script = [
    '__jp_base=$(compgen -v)',
    'set -euo pipefail',
    `__jp_expect() { case "$2" in *"$1"*) ;; *) printf 'expected the output to contain: %s\\n' "$1" >&2; exit 97;; esac; }`,
    opts.envIn ? `source ${shellQuote(opts.envIn)}` : '',
    block,
    `{ for __jp_v in $(compgen -v); do case "$__jp_v" in __jp_*|BASH*|FUNCNAME|PIPESTATUS|_) continue;; esac;`,
    `    grep -qx -- "$__jp_v" <<<"$__jp_base" || declare -p "$__jp_v"; done; declare -f; } > ${shellQuote(opts.envOut)}`,
  ].join('\n');
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${opts.bin}:${process.env['PATH']}`, JOBPLANE_DATA_DIR: opts.dataDir };
  for (const k of ['JOBPLANE_API', 'JOBPLANE_TOKEN', 'DATABASE_URL', 'JOBPLANE_DATA_PLANE', 'NODE_OPTIONS']) delete env[k];
  const child = spawn('bash', ['-c', script], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
  const [code] = await once(child, 'exit') as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export async function docsFiles(): Promise<Array<{ file: string; text: string }>> {
  const { readdir } = await import('node:fs/promises');
  const docs = (await readdir(path.join(REPO_ROOT, 'docs'))).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`);
  return Promise.all(['README.md', ...docs].map(async (file) => ({ file, text: await readFile(path.join(REPO_ROOT, file), 'utf8') })));
}

/** `--permissions a:b,c:d` lists in a block (not `all`, the administrator's preset). */
export function permissionLists(code: string): string[] {
  return [...code.matchAll(/--permissions[ =]([a-z:,-]+)/g)].map((m) => m[1]!).filter((l) => l !== 'all' && l !== '*');
}
