import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { brotliBest, gzipBest, isCompressible } from '../asset-compression.js';

/**
 * The dashboard: the files `vite build` wrote (sources in ui/, built by `npm run build` into dist/ui), served at
 * /ui with `/` redirecting there. Everything is read and compressed once when the server starts, so a request is a
 * map lookup and nothing here touches the disk or the network afterwards. Paths under /ui that are not files are
 * the single-page app's own routes (/ui/jobs/<id>, ...) and get index.html. Hashed assets (assets/*-<hash>.js) are
 * cached for a year; index.html is revalidated every time (ETag), so a new build is picked up at the next load.
 * Text files go out compressed (brotli, else gzip) to clients that accept it: the build writes `<file>.br` and
 * `<file>.gz` beside each one (ui/vite.config.ts), which are sent as they are; a file without them (a build made
 * some other way) is compressed once, off the event loop, on its first request.
 * The dashboard calls the public API with the user's token, so these routes need none.
 */
export interface UiOptions {
  /** The built dashboard (a directory with index.html); default: dist/ui of this installation. */
  root?: string;
}

interface Asset {
  body: Buffer;
  /** Worth compressing: sent as `br` or `gzip` to clients that accept them (see `encoded`). */
  compressible: boolean;
  /** The compressed bodies: the build's `.gz`/`.br` files, or made on first request (see `encoded`). */
  gzip?: Promise<Buffer>;
  br?: Promise<Buffer>;
  type: string;
  etag: string;
  cacheControl: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8', '.map': 'application/json', '.woff2': 'font/woff2', '.webmanifest': 'application/manifest+json',
};
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The dashboard may load only its own files and talk only to this server: no inline script, no third party, and it
 * cannot be framed (clickjacking of the action buttons). Style attributes set by React go through the CSSOM, which
 * style-src does not restrict.
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** dist/ui next to the compiled server (dist/api/routes), or, when running from sources (tsx), the repo's dist/ui. */
export function defaultUiRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../ui'), path.resolve(here, '../../../dist/ui')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? candidates[0]!;
}

const PRECOMPRESSED = { '.br': 'br', '.gz': 'gzip' } as const;

function loadAssets(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(path.join(root, 'index.html'))) return assets;
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) { walk(full); continue; }
      if (!entry.isFile()) continue;
      files.set(path.relative(root, full).split(path.sep).join('/'), readFileSync(full));
    }
  };
  walk(root);
  for (const [rel, body] of files) {
    const ext = path.extname(rel).toLowerCase();
    // `app.js.br` beside `app.js` is app.js's brotli body, not a file of its own.
    if (ext in PRECOMPRESSED && files.has(rel.slice(0, -ext.length))) continue;
    const compressible = isCompressible(ext, body.length);
    const precompressed = (suffix: keyof typeof PRECOMPRESSED) => {
      const file = compressible ? files.get(rel + suffix) : undefined;
      return file && file.length < body.length ? Promise.resolve(file) : undefined;
    };
    const asset: Asset = {
      body,
      compressible,
      type: TYPES[ext] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      // Vite puts content hashes in the names of everything under assets/: such a name never changes content.
      cacheControl: rel.startsWith('assets/') ? IMMUTABLE : 'no-cache',
    };
    const br = precompressed('.br');
    const gz = precompressed('.gz');
    if (br) asset.br = br;
    if (gz) asset.gzip = gz;
    assets.set(rel, asset);
  }
  return assets;
}

/**
 * An asset's body in `encoding`: the build's precompressed file, or compressed on its first request and kept.
 * Compressing (brotli's best quality takes about half a second of CPU for the app's scripts) runs on the thread pool,
 * so the API's requests meanwhile are not held up; doing it for every file at start would make every server start
 * (each test server too) pay for pages nobody may open.
 */
function encoded(asset: Asset, encoding: 'br' | 'gzip'): Promise<Buffer> {
  if (encoding === 'br') return (asset.br ??= brotliBest(asset.body));
  return (asset.gzip ??= gzipBest(asset.body));
}

async function send(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply.header('content-type', asset.type).header('cache-control', asset.cacheControl).header('etag', asset.etag)
    .header('x-content-type-options', 'nosniff').header('vary', 'accept-encoding');
  if (asset.type.startsWith('text/html')) {
    reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY');
  }
  const match = request.headers['if-none-match'];
  if (match && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === asset.etag)) {
    return reply.status(304).send();
  }
  const accept = String(request.headers['accept-encoding'] ?? '');
  const encoding = !asset.compressible ? undefined
    : /\bbr\b/.test(accept) ? 'br' : /\bgzip\b/.test(accept) ? 'gzip' : undefined;
  if (encoding) return reply.header('content-encoding', encoding).send(await encoded(asset, encoding));
  return reply.send(asset.body);
}

export default async function uiRoutes(app: FastifyInstance, opts: UiOptions = {}): Promise<void> {
  const root = opts.root ?? defaultUiRoot();
  const assets = loadAssets(root);
  const index = assets.get('index.html');
  const route = { config: { public: true }, schema: { hide: true } } as const;

  app.get('/', route, async (_request, reply) => reply.redirect('/ui/', 302));
  app.get('/ui', route, async (_request, reply) => reply.redirect('/ui/', 301));
  app.get<{ Params: { '*': string } }>('/ui/*', route, async (request, reply) => {
    if (!index) {
      return reply.status(503).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store')
        .send(`The dashboard is not built (no index.html in ${root}). Run \`npm run build\` and restart the server.\n`);
    }
    const rel = request.params['*'];
    const asset = assets.get(rel);
    if (asset) return send(request, reply, asset);
    // A missing hashed asset is an old page asking for a file of a previous build: a 404, never index.html
    // (which the browser would try to run as a script).
    if (rel.startsWith('assets/') || path.extname(rel) !== '') {
      return reply.status(404).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store')
        .send(`no such file: /ui/${rel}\n`);
    }
    return send(request, reply, index);
  });
}
