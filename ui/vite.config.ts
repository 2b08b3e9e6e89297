import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type HtmlTagDescriptor, type Plugin } from 'vite';
import type { OutputBundle, OutputChunk } from 'rollup';
import { brotliBest, gzipBest, isCompressible } from '../src/api/asset-compression.js';

/**
 * The dashboard's build: `npm run build:ui` (part of `npm run build`) writes dist/ui, which `jobplane serve` serves
 * at /ui. `npx vite --config ui/vite.config.ts` runs a dev server with hot reload that forwards API calls to
 * JOBPLANE_API (default http://127.0.0.1:8080).
 *
 * What the browser loads first (docs/dashboard.md, "How the jobs page loads"): index.html, the small entry
 * (src/boot.ts), which asks the API for the first page's data at once, and, preloaded in parallel, the app
 * (src/main.tsx with the jobs page) and React in a chunk of its own (it changes less often than the app). The other
 * pages are chunks of their own, prefetched once the first page is on screen. Every file is also written compressed
 * (.br, .gz), which the server sends to browsers that accept it.
 */
const api = process.env['JOBPLANE_API'] ?? 'http://127.0.0.1:8080';
const API_PATHS = ['/jobs', '/datasets', '/data-planes', '/executors', '/nql', '/whoami', '/events', '/openapi.json', '/access-tokens'];
const outDir = fileURLToPath(new URL('../dist/ui', import.meta.url));

/** The chunk and the chunks it imports statically, transitively. */
function withImports(bundle: OutputBundle, fileName: string, into = new Set<string>()): Set<string> {
  const chunk = bundle[fileName];
  if (!chunk || chunk.type !== 'chunk' || into.has(fileName)) return into;
  into.add(fileName);
  for (const name of chunk.imports) withImports(bundle, name, into);
  return into;
}

/**
 * The entry only imports the app dynamically (so that it runs before the app has loaded): tell the browser about
 * the app's chunks in the HTML, so they download in parallel with the entry instead of after it has run. The other
 * pages' chunks are listed in a <meta> for the app to prefetch once the first page is on screen (src/main.tsx): as
 * <link rel=prefetch> in the HTML they would take the browser's few connections to the server (six over HTTP/1.1)
 * from the first page's API requests, which then wait for them.
 */
function preloadApp(): Plugin {
  return {
    name: 'jobplane:preload-app',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const { bundle, chunk: entry } = ctx;
        if (!bundle || !entry) return [];
        const chunks = Object.values(bundle).filter((c): c is OutputChunk => c.type === 'chunk');
        const app = chunks.find((c) => c.moduleIds.some((id) => id.endsWith('/src/main.tsx')));
        if (!app) throw new Error('no chunk holds src/main.tsx: did boot.ts stop importing it?');
        const loaded = withImports(bundle, entry.fileName);
        const preload = [...withImports(bundle, app.fileName)].filter((f) => !loaded.has(f));
        const later = new Set<string>();
        for (const name of preload) for (const d of (bundle[name] as OutputChunk).dynamicImports) withImports(bundle, d, later);
        const prefetch = [...later].filter((f) => !loaded.has(f) && !preload.includes(f));
        const href = (f: string) => `/ui/${f}`;
        const tags: HtmlTagDescriptor[] = [
          ...preload.map((f) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: href(f) }, injectTo: 'head' as const })),
          { tag: 'meta', attrs: { name: 'jobplane:later', content: prefetch.map(href).join(' ') }, injectTo: 'head' },
        ];
        return tags;
      },
    },
  };
}

/** Writes `<file>.br` and `<file>.gz` beside every compressible file of the build, when that makes it smaller. */
function precompress(): Plugin {
  return {
    name: 'jobplane:precompress',
    apply: 'build',
    async closeBundle() {
      const files: string[] = [];
      const walk = async (dir: string) => {
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          const full = path.join(dir, entry.name);
          if (entry.isDirectory()) await walk(full);
          else if (entry.isFile()) files.push(full);
        }
      };
      await walk(outDir);
      await Promise.all(files.map(async (file) => {
        if (!isCompressible(path.extname(file).toLowerCase(), (await stat(file)).size)) return;
        const body = await readFile(file);
        const [b, g] = await Promise.all([brotliBest(body), gzipBest(body)]);
        if (b.length < body.length) await writeFile(`${file}.br`, b);
        if (g.length < body.length) await writeFile(`${file}.gz`, g);
      }));
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  plugins: [react(), preloadApp(), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    // Node 20's and every evergreen browser's level; no legacy bundle.
    target: 'es2022',
    // Every file is a hashed file under assets/ (no data: URLs), which the server caches for a year.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    rollupOptions: {
      output: {
        // React and the other dependencies in a chunk of their own: a new build of the app leaves it cached.
        manualChunks: (id) => (id.includes('/node_modules/') ? 'vendor' : undefined),
      },
    },
  },
  server: { proxy: Object.fromEntries(API_PATHS.map((p) => [p, { target: api, changeOrigin: false }])) },
});
