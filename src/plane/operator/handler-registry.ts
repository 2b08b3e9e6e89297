import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_ENGINE, type Engine } from '../../core/engines.js';
import type { HandlerEnv, HandlerFactory, JobHandler } from './types.js';

/**
 * Job type -> handler. Handlers come from two places:
 * - built-ins: one module per type at `src/plane/handlers/<type>.ts` whose default export is the handler, or a
 *   factory `(env) => handler` when it needs shared resources (its `type` must equal the file name). Modules
 *   without a default export are helpers and are skipped. Dropping a file there adds a type; nothing else changes.
 * - `--handlers <module>`: a module whose default export is a handler, an array of handlers or a factory, and/or
 *   whose named exports are handler objects (how tests and users add their own types). They may replace a built-in.
 */
export class HandlerRegistry {
  private readonly byType = new Map<string, JobHandler>();

  register(handler: JobHandler, opts: { replace?: boolean } = {}): this {
    if (!isJobHandler(handler)) throw new Error('a handler needs a string `type` and a `run(job, ctx)` function');
    if (this.byType.has(handler.type) && !opts.replace) {
      throw new Error(`two handlers for job type "${handler.type}"`);
    }
    this.byType.set(handler.type, handler);
    return this;
  }

  get(type: string): JobHandler | undefined {
    return this.byType.get(type);
  }

  types(): string[] {
    return [...this.byType.keys()].sort();
  }

  /** Keeps only `types` (the operator's `--types`); a type without a handler is an error, not a silent no-op. */
  restrictTo(types: readonly string[]): this {
    const missing = types.filter((t) => !this.byType.has(t));
    if (missing.length > 0) {
      throw new Error(`no handler for job type ${missing.map((t) => `"${t}"`).join(', ')}; known: ${this.types().join(', ') || 'none'}`);
    }
    for (const type of [...this.byType.keys()]) if (!types.includes(type)) this.byType.delete(type);
    return this;
  }
}

export function isJobHandler(value: unknown): value is JobHandler {
  const v = value as Partial<JobHandler> | null | undefined;
  return typeof v === 'object' && v !== null && typeof v.type === 'string' && v.type !== '' && typeof v.run === 'function';
}

/** A handler, or what a factory makes of the environment. */
async function resolveHandler(value: unknown, env: HandlerEnv | undefined, where: string): Promise<JobHandler> {
  if (typeof value === 'function') {
    if (!env) throw new Error(`${where} exports a handler factory, which needs the operator's environment`);
    value = await (value as HandlerFactory)(env);
  }
  if (!isJobHandler(value)) throw new Error(`${where}: not a job handler (an object with a type and a run function)`);
  return value;
}

/** Handlers exported by a module given on the command line (a path relative to the working directory, or a package). */
export async function loadHandlerModule(specifier: string, env?: HandlerEnv): Promise<JobHandler[]> {
  const isPath = specifier.startsWith('.') || specifier.startsWith('/') || /\.[cm]?[jt]s$/.test(specifier);
  const url = isPath ? pathToFileURL(path.resolve(specifier)).href : specifier;
  const mod = (await import(url)) as Record<string, unknown>;
  const found: JobHandler[] = [];
  const def = mod['default'];
  for (const value of Array.isArray(def) ? def : def === undefined ? [] : [def]) {
    found.push(await resolveHandler(value, env, `${specifier} (default export)`));
  }
  for (const [name, value] of Object.entries(mod)) {
    if (name !== 'default' && isJobHandler(value) && !found.includes(value)) found.push(value);
  }
  if (found.length === 0) throw new Error(`${specifier} exports no job handler (an object with a type and a run function)`);
  return found;
}

const BUILTIN_DIR = fileURLToPath(new URL('../handlers/', import.meta.url));

/** Each engine's built-in handlers: a plane's `engine` picks its operator's handlers (DuckDB by default). */
const BUILTIN_DIRS: Record<Engine, string> = {
  duckdb: BUILTIN_DIR,
  spark: fileURLToPath(new URL('../spark/handlers/', import.meta.url)),
};

/**
 * The built-in handlers, one module per type. With `onlyTypes`, only those modules are imported (a handler may pull
 * in a heavy engine such as DuckDB); a missing directory simply means no built-ins.
 */
export async function loadBuiltinHandlers(onlyTypes?: readonly string[], env?: HandlerEnv, dir = BUILTIN_DIR): Promise<JobHandler[]> {
  let files: string[];
  try {
    files = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const modules = files.filter((f) => /^[a-z][a-z0-9_-]*\.[cm]?[jt]s$/.test(f) && !f.endsWith('.d.ts'));
  const handlers: JobHandler[] = [];
  for (const file of modules) {
    const type = file.replace(/\.[cm]?[jt]s$/, '');
    if (onlyTypes && !onlyTypes.includes(type)) continue;
    const where = path.join(dir, file);
    const mod = (await import(pathToFileURL(where).href)) as { default?: unknown };
    if (mod.default === undefined) continue; // a helper module
    const handler = await resolveHandler(mod.default, env, where);
    if (handler.type !== type) throw new Error(`${where} must export default a job handler whose type is "${type}", not "${handler.type}"`);
    handlers.push(handler);
  }
  return handlers;
}

export interface RegistryOptions {
  /** Handlers passed as values (in-process callers). */
  handlers?: readonly JobHandler[] | undefined;
  /** Modules to import handlers from (`--handlers`). */
  handlerModules?: readonly string[] | undefined;
  /** Load `src/plane/handlers/*` (default true). */
  builtins?: boolean | undefined;
  /** Only these types (`--types`); default: every handler found. */
  types?: readonly string[] | undefined;
  /** Whose built-ins: the DuckDB plane's (default) or the Spark plane's. */
  engine?: Engine | undefined;
}

export async function buildRegistry(opts: RegistryOptions, env?: HandlerEnv): Promise<HandlerRegistry> {
  const registry = new HandlerRegistry();
  const builtin = new Set<string>();
  if (opts.builtins !== false) {
    for (const h of await loadBuiltinHandlers(opts.types, env, BUILTIN_DIRS[opts.engine ?? DEFAULT_ENGINE])) {
      registry.register(h);
      builtin.add(h.type);
    }
  }
  // Explicit handlers may replace a built-in (e.g. a fake engine in tests), but not one another.
  const explicit = (h: JobHandler) => registry.register(h, { replace: builtin.delete(h.type) });
  for (const spec of opts.handlerModules ?? []) (await loadHandlerModule(spec, env)).forEach(explicit);
  (opts.handlers ?? []).forEach(explicit);
  if (opts.types && opts.types.length > 0) registry.restrictTo(opts.types);
  if (registry.types().length === 0) throw new Error('no job handlers: add built-ins, --handlers modules, or handlers');
  return registry;
}
