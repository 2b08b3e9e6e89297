import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync, constants as zlib } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import uiRoutes from '../../src/api/routes/ui.js';
import { startTestServer, type TestServer } from '../support/harness.js';

/** The dashboard's static files (src/api/routes/ui.ts), over a build written here, so the test owns its files. */
describe('the /ui plugin', () => {
  let dir: string;
  let app: FastifyInstance;
  const script = `console.log(${JSON.stringify('x'.repeat(4000))});\n`;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'jobplane-ui-'));
    await mkdir(path.join(dir, 'assets'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>t</title><script type="module" src="/ui/assets/app-abc123.js"></script>');
    await writeFile(path.join(dir, 'assets', 'app-abc123.js'), script);
    await writeFile(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    app = Fastify();
    await app.register(uiRoutes, { root: dir });
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('redirects / and /ui to /ui/', async () => {
    for (const url of ['/', '/ui']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBeGreaterThanOrEqual(301);
      expect(res.statusCode).toBeLessThanOrEqual(302);
      expect(res.headers.location).toBe('/ui/');
    }
  });

  it('answers the app\'s own routes with index.html, revalidated, with a strict CSP', async () => {
    for (const url of ['/ui/', '/ui/jobs', '/ui/jobs/5c9a1f4e-0000-4000-8000-000000000000', '/ui/datasets/10000/snapshots/12']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('app-abc123.js');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('caches hashed assets for a year, and other files until they change (ETag, 304)', async () => {
    const asset = await app.inject({ url: '/ui/assets/app-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.body).toBe(script);
    const icon = await app.inject({ url: '/ui/favicon.svg' });
    expect(icon.headers['cache-control']).toBe('no-cache');
    const again = await app.inject({ url: '/ui/favicon.svg', headers: { 'if-none-match': String(icon.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const changed = await app.inject({ url: '/ui/favicon.svg', headers: { 'if-none-match': '"other"' } });
    expect(changed.statusCode).toBe(200);
  });

  it('sends brotli or gzip when the client accepts it', async () => {
    const br = await app.inject({ url: '/ui/assets/app-abc123.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('accept-encoding');
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(script);
    expect(br.rawPayload.length).toBeLessThan(script.length / 4);
    const gz = await app.inject({ url: '/ui/assets/app-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(script);
  });

  it('sends the build\'s precompressed files as they are, with the headers of the file they stand for', async () => {
    // What `npm run build:ui` writes beside each file (ui/vite.config.ts): here at a low quality, so that the bytes
    // sent can only be these files' (the server's own compression would make different ones).
    const built = await mkdtemp(path.join(os.tmpdir(), 'jobplane-ui-pre-'));
    await mkdir(path.join(built, 'assets'));
    const style = `body { color: ${'#123456; '.repeat(400)}}\n`;
    const files = {
      js: Buffer.from(script),
      br: brotliCompressSync(script, { params: { [zlib.BROTLI_PARAM_QUALITY]: 1 } }),
      gz: gzipSync(script, { level: 1 }),
    };
    await writeFile(path.join(built, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(path.join(built, 'assets', 'app-def456.js'), files.js);
    await writeFile(path.join(built, 'assets', 'app-def456.js.br'), files.br);
    await writeFile(path.join(built, 'assets', 'app-def456.js.gz'), files.gz);
    await writeFile(path.join(built, 'assets', 'style-aaa111.css'), style); // no precompressed files
    const ui = Fastify();
    await ui.register(uiRoutes, { root: built });
    try {
      const plain = await ui.inject({ url: '/ui/assets/app-def456.js' });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.rawPayload.equals(files.js)).toBe(true);
      for (const [accept, encoding, body] of [['gzip, deflate, br', 'br', files.br], ['gzip', 'gzip', files.gz]] as const) {
        const res = await ui.inject({ url: '/ui/assets/app-def456.js', headers: { 'accept-encoding': accept } });
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-encoding']).toBe(encoding);
        expect(res.rawPayload.equals(body), encoding).toBe(true);
        expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
        expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(res.headers.vary).toBe('accept-encoding');
        expect(res.headers.etag).toBe(plain.headers.etag);
      }
      // The compressed files are not files of the dashboard of their own.
      expect((await ui.inject({ url: '/ui/assets/app-def456.js.br' })).statusCode).toBe(404);
      // A file the build did not compress is compressed by the server (once, off the event loop).
      const css = await ui.inject({ url: '/ui/assets/style-aaa111.css', headers: { 'accept-encoding': 'br' } });
      expect(css.headers['content-encoding']).toBe('br');
      expect(brotliDecompressSync(css.rawPayload).toString()).toBe(style);
      const again = await ui.inject({ url: '/ui/assets/style-aaa111.css', headers: { 'accept-encoding': 'br' } });
      expect(again.rawPayload.equals(css.rawPayload)).toBe(true);
    } finally {
      await ui.close();
      await rm(built, { recursive: true, force: true });
    }
  });

  it('is a 404 for a missing file, never index.html in its place', async () => {
    for (const url of ['/ui/assets/app-old999.js', '/ui/robots.txt', '/ui/%2e%2e/package.json']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toContain('<!doctype html>');
    }
  });

  it('says how to build the dashboard when it is not built', async () => {
    const bare = Fastify();
    await bare.register(uiRoutes, { root: path.join(dir, 'missing') });
    const res = await bare.inject({ url: '/ui/jobs' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toMatch(/npm run build/);
    await bare.close();
  });
});

describe('the /ui routes in the API server', () => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer('pglite'); });
  afterAll(async () => { await server?.close(); });

  it('need no token (the dashboard signs in itself) and stay out of the OpenAPI document', async () => {
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/ui/');
    // 200 with a built dashboard (dist/ui), 503 with the build hint without one: never 401.
    const page = await fetch(`${server.url}/ui/jobs`);
    expect([200, 503]).toContain(page.status);
    const doc = (await server.request('GET', '/openapi.json', { token: null })).body;
    expect(Object.keys(doc.paths).filter((p) => p === '/' || p.startsWith('/ui'))).toEqual([]);
    expect(doc.paths['/jobs/{job_id}/explain']).toBeDefined();
    expect(doc.paths['/jobs/stats']).toBeDefined();
    expect(doc.paths['/jobs/stats/throughput']).toBeDefined();
  });
});
