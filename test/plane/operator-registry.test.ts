import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRegistry, HandlerRegistry, loadBuiltinHandlers, loadHandlerModule, type HandlerEnv, type JobHandler } from '../../src/plane/operator/index.js';
import { SharedResources } from '../../src/plane/operator/shared-resources.js';
import { captureLogger } from './operator-test-kit.js';

const handler = (type: string): JobHandler => ({ type, run: async () => ({ type }) });

describe('HandlerRegistry', () => {
  const dirs: string[] = [];
  afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

  it('refuses two handlers for one type, and a --types entry without a handler', () => {
    const r = new HandlerRegistry().register(handler('a')).register(handler('b'));
    expect(() => r.register(handler('a'))).toThrow('two handlers for job type "a"');
    expect(() => new HandlerRegistry().register(handler('a')).restrictTo(['a', 'zzz'])).toThrow(/no handler for job type "zzz"; known: a/);
    expect(r.restrictTo(['b']).types()).toEqual(['b']);
    expect(() => r.register({ type: 'x' } as never)).toThrow(/run\(job, ctx\)/);
  });

  it('loads handlers from a module path: default export, arrays and named exports', async () => {
    const handlers = await loadHandlerModule('test/fixtures/handlers/test-sleep.ts');
    expect(handlers.map((h) => h.type)).toEqual(['test-sleep']);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'jobplane-handlers-'));
    dirs.push(dir);
    const file = path.join(dir, 'many.mjs');
    await writeFile(file, `const mk = (type) => ({ type, run: async () => ({}) });
      export default [mk('one'), mk('two')]; export const three = mk('three'); export const notAHandler = 42;`);
    expect((await loadHandlerModule(file)).map((h) => h.type).sort()).toEqual(['one', 'three', 'two']);
    await writeFile(path.join(dir, 'none.mjs'), 'export const x = 1;');
    await expect(loadHandlerModule(path.join(dir, 'none.mjs'))).rejects.toThrow(/exports no job handler/);
  });

  it('finds built-ins as <type>.ts files, imports only the requested types, and checks the name', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'jobplane-builtins-'));
    dirs.push(dir);
    expect(await loadBuiltinHandlers(undefined, undefined, path.join(dir, 'missing'))).toEqual([]);
    await writeFile(path.join(dir, 'alpha.mjs'), 'export default { type: "alpha", run: async () => ({}) };');
    await writeFile(path.join(dir, 'beta.mjs'), 'throw new Error("beta must not be imported");');
    expect((await loadBuiltinHandlers(['alpha'], undefined, dir)).map((h) => h.type)).toEqual(['alpha']);
    await writeFile(path.join(dir, 'gamma.mjs'), 'export default { type: "other", run: async () => ({}) };');
    await expect(loadBuiltinHandlers(['gamma'], undefined, dir)).rejects.toThrow(/must export default a job handler whose type is "gamma", not "other"/);
    // Helpers (no default export) sit beside the handlers and are skipped.
    await writeFile(path.join(dir, 'helper.mjs'), 'export const util = () => 1;');
    expect(await loadBuiltinHandlers(['alpha', 'helper'], undefined, dir)).toHaveLength(1);
  });

  it('builds handlers from factories with the operator\'s environment, sharing resources', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'jobplane-factories-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'delta.mjs'), `export default async (env) => {
      const engine = await env.shared('engine', async () => ({ opened: Date.now() }));
      return { type: 'delta', engine, plane: env.dataPlaneId, run: async () => ({}) };
    };`);
    await writeFile(path.join(dir, 'epsilon.mjs'), `export default async (env) => {
      const engine = await env.shared('engine', async () => ({ opened: 'second open must not happen' }));
      return { type: 'epsilon', engine, run: async () => ({}) };
    };`);
    const { log } = captureLogger();
    const resources = new SharedResources(log);
    const env = { client: {} as never, dataPlaneId: 'plane-1', storageRoot: dir, attemptKeepAliveMs: 1_000, log, shared: resources.get.bind(resources) } as HandlerEnv;
    const [delta, epsilon] = await loadBuiltinHandlers(undefined, env, dir) as Array<JobHandler & { engine: unknown; plane?: string }>;
    expect(delta!.plane).toBe('plane-1');
    expect(epsilon!.engine).toBe(delta!.engine);
    await expect(loadBuiltinHandlers(undefined, undefined, dir)).rejects.toThrow(/needs the operator's environment/);
  });

  it('buildRegistry: explicit handlers may replace a built-in, and an empty registry is an error', async () => {
    const r = await buildRegistry({ builtins: false, handlers: [handler('x')], handlerModules: ['test/fixtures/handlers/test-echo.ts'] });
    expect(r.types()).toEqual(['test-echo', 'x']);
    await expect(buildRegistry({ builtins: false })).rejects.toThrow(/no job handlers/);
    await expect(buildRegistry({ builtins: false, handlers: [handler('x'), handler('x')] })).rejects.toThrow(/two handlers/);
  });
});

describe('SharedResources', () => {
  it('opens a resource once for concurrent callers and closes in reverse order', async () => {
    const { log } = captureLogger();
    const r = new SharedResources(log);
    const order: string[] = [];
    let opens = 0;
    const open = (name: string) => async () => { opens++; return name; };
    const close = async (name: string) => { order.push(name); };
    const [a1, a2] = await Promise.all([r.get('a', open('a'), close), r.get('a', open('a'), close)]);
    expect([a1, a2, opens]).toEqual(['a', 'a', 1]);
    await r.get('b', open('b'), close);
    await r.closeAll();
    expect(order).toEqual(['b', 'a']);
  });
});
