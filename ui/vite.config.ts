import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The dashboard's build: `npm run build:ui` (part of `npm run build`) writes dist/ui, which `jobplane serve` serves
 * at /ui. `npx vite --config ui/vite.config.ts` runs a dev server with hot reload that forwards API calls to
 * JOBPLANE_API (default http://127.0.0.1:8080).
 */
const api = process.env['JOBPLANE_API'] ?? 'http://127.0.0.1:8080';
const API_PATHS = ['/jobs', '/datasets', '/data-planes', '/executors', '/nql', '/whoami', '/events', '/openapi.json', '/access-tokens'];

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    // Node 20's and every evergreen browser's level; no legacy bundle.
    target: 'es2022',
    // Every file is a hashed file under assets/ (no data: URLs), which the server caches for a year.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: { proxy: Object.fromEntries(API_PATHS.map((p) => [p, { target: api, changeOrigin: false }])) },
});
