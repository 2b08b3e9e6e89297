import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, type CliProcess } from '../support/spawn.js';
import { docsFiles, extractSnippets, permissionLists, prepareWorkspace, runSnippet, transform, type Snippet } from './snippets.js';

const SNIPPET_TIMEOUT_MS = 240_000;

/**
 * Every ```sh block of README.md and docs/*.md, run as written against a real `jobplane serve` (embedded database,
 * the in-process operator, the sample dataset 6402 at 20,000 rows), in order per file (snippets.ts says how).
 * Then the permission lists the blocks show are checked to be minimal: the block run again without any one of
 * them fails on exactly that permission.
 */
describe('the docs\' shell snippets work as written', async () => {
  const files = (await docsFiles()).map((f) => ({ file: f.file, snippets: extractSnippets(f.file, f.text) })).filter((f) => f.snippets.length > 0);
  let dir: string;
  let server: CliProcess;
  let url: string;
  let dataDir: string;
  let workspace: { cwd: string; bin: string };
  /** The variables each block started with, per file, for the permission check. */
  const envBefore = new Map<Snippet, string | undefined>();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'jp-docs-'));
    dataDir = path.join(dir, 'data');
    workspace = await prepareWorkspace(dir);
    server = spawnCli(['serve'], {
      JOBPLANE_DATA_DIR: dataDir, PORT: '0', DATABASE_URL: undefined, JOBPLANE_SAMPLE_DATA: 'true', JOBPLANE_SAMPLE_ROWS: '20000',
    });
    // Generous: the sample dataset and the operator start first, on a machine other test files share.
    url = (await server.waitForLog((l) => l['msg'] === 'jobplane serving', 330_000))['url'] as string;
  }, 360_000);
  afterAll(async () => {
    server?.kill('SIGTERM');
    await server?.exited;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finds the README\'s walk-throughs', () => {
    expect(files.find((f) => f.file === 'README.md')?.snippets.length).toBeGreaterThanOrEqual(4);
  });

  for (const { file, snippets } of files) {
    it(`${file}: ${snippets.length} sh block(s) exit 0 and print what they say`, async () => {
      let envIn: string | undefined;
      for (const [i, s] of snippets.entries()) {
        const envOut = path.join(dir, `${file.replace(/\W/g, '_')}-${i}.env`);
        envBefore.set(s, envIn);
        const run = await runSnippet(transform(s.code, { url, dataDir }), { ...workspace, dataDir, envIn, envOut, timeoutMs: SNIPPET_TIMEOUT_MS });
        expect(run.code, `${file}:${s.line}: the block exited ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`).toBe(0);
        envIn = envOut;
      }
    }, SNIPPET_TIMEOUT_MS * 2);
  }

  it('every permission a block grants is needed by a command it shows', async () => {
    let checked = 0;
    for (const { snippets } of files) {
      for (const s of snippets) {
        for (const list of permissionLists(s.code)) {
          if (!envBefore.has(s)) continue; // its file failed above
          for (const dropped of list.split(',')) {
            const fewer = list.split(',').filter((p) => p !== dropped).join(',');
            const code = s.code.replace(`--permissions ${list}`, `--permissions ${fewer}`);
            const envOut = path.join(dir, `minimal-${checked}.env`);
            const run = await runSnippet(transform(code, { url, dataDir }), { ...workspace, dataDir, envIn: envBefore.get(s), envOut, timeoutMs: SNIPPET_TIMEOUT_MS });
            expect(run.code, `${s.file}:${s.line}: without ${dropped} the block still works: ${dropped} is not needed`).not.toBe(0);
            expect(run.stderr, `${s.file}:${s.line}: without ${dropped} the block failed for another reason`).toContain(`lacks ${dropped}`);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  }, SNIPPET_TIMEOUT_MS * 6);
});
