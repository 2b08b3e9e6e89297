import { afterAll, describe, expect, it } from 'vitest';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { backends, freshDatabase, type TestDatabase } from '../support/backends.js';
import { runCli, spawnCli, type CliProcess } from '../support/spawn.js';

const serving = (l: Record<string, unknown>) => l['msg'] === 'jobplane serving';

async function get(url: string, token: string) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() as any };
}

describe('jobplane serve on the embedded database', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => { for (const fn of cleanup.reverse()) await fn(); });

  it('bootstraps once, shares the data dir with the CLI, refuses a second server, and stops cleanly', async () => {
    const database = await freshDatabase('pglite', { open: false });
    cleanup.push(() => database.drop());
    const env = { JOBPLANE_DATA_DIR: database.dataDir, PORT: '0', JOBPLANE_OPERATOR: 'false', JOBPLANE_SAMPLE_DATA: 'false', DATABASE_URL: undefined };

    const server = spawnCli(['serve'], env);
    cleanup.push(async () => { server.kill('SIGKILL'); await server.exited; });
    const url = (await server.waitForLog(serving))['url'] as string;

    const tokenFile = path.join(database.dataDir, 'admin-token');
    const admin = (await readFile(tokenFile, 'utf8')).trim();
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect(server.stderr()).toContain(admin); // printed once
    expect((await get(`${url}/whoami`, admin)).body.current_company_scope.company_id).toBe(1);

    // The CLI reaches the running server's admin socket instead of opening the database it holds.
    const minted = await runCli(['token', 'create', '--company', '1', '--permissions', 'jobs:read', '--expires-in', '30d'], env);
    expect(minted.code, minted.stderr).toBe(0);
    const token = minted.stdout.trim();
    expect(token).toMatch(/^jp_[A-Za-z0-9_-]{43}$/);
    expect((await get(`${url}/jobs`, token)).status).toBe(200);
    expect((await get(`${url}/data-planes`, token)).status).toBe(403);

    const company = await runCli(['company', 'create', '--name', 'Acme'], env);
    expect(company.code, company.stderr).toBe(0);
    const companyId = Number(company.stdout.trim());
    expect(companyId).toBeGreaterThan(1);
    const acme = await runCli(['token', 'create', '--company', String(companyId), '--permissions', 'all'], env);
    expect((await get(`${url}/whoami`, acme.stdout.trim())).body.current_company_scope.company_id).toBe(companyId);

    const bad = await runCli(['token', 'create', '--company', '1', '--permissions', 'jobs:fly'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('invalid permission "jobs:fly"');

    const second = await runCli(['serve'], env);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain('is in use by jobplane serve');

    server.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    // Restarted: same data, no new admin token, the CLI now opens the database itself.
    const offline = await runCli(['token', 'create', '--company', '1', '--permissions', 'jobs:write'], env);
    expect(offline.code, offline.stderr).toBe(0);
    const again = spawnCli(['serve'], env);
    cleanup.push(async () => { again.kill('SIGKILL'); await again.exited; });
    const url2 = (await again.waitForLog(serving))['url'] as string;
    expect(again.stderr()).not.toContain('Admin token');
    expect((await get(`${url2}/jobs`, token)).status).toBe(200);
    expect((await get(`${url2}/jobs`, offline.stdout.trim())).status).toBe(200);
    again.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 240_000);
});

describe.runIf(backends().includes('postgres'))('jobplane serve on PostgreSQL', () => {
  let database: TestDatabase;
  const servers: CliProcess[] = [];
  afterAll(async () => {
    for (const s of servers) { s.kill('SIGKILL'); await s.exited; }
    await database?.drop();
  });

  it('two servers starting at once on an empty database migrate and bootstrap exactly once', async () => {
    database = await freshDatabase('postgres', { open: false });
    // A truly empty database (not the migrated template) so both servers race on the migrations too.
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: database.databaseUrl });
    await c.connect();
    await c.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
    await c.end();
    const env = (i: number) => ({ DATABASE_URL: database.databaseUrl, JOBPLANE_DATA_DIR: path.join(database.dataDir, `s${i}`), PORT: '0', JOBPLANE_OPERATOR: 'false', JOBPLANE_SAMPLE_DATA: 'false' });
    servers.push(spawnCli(['serve'], env(1)), spawnCli(['serve'], env(2)));
    const urls = await Promise.all(servers.map(async (s) => (await s.waitForLog(serving))['url'] as string));
    const tokens = servers.map((s) => /jp_[A-Za-z0-9_-]{43}/.exec(s.stderr())?.[0]).filter(Boolean);
    expect(tokens).toHaveLength(1);
    for (const url of urls) expect((await get(`${url}/whoami`, tokens[0]!)).status).toBe(200);
    const c2 = new pg.Client({ connectionString: database.databaseUrl });
    await c2.connect();
    expect((await c2.query('SELECT count(*)::int AS n FROM companies')).rows[0].n).toBe(1);
    expect((await c2.query('SELECT count(*)::int AS n FROM schema_migrations')).rows[0].n).toBeGreaterThan(0);
    await c2.end();
    for (const s of servers) s.kill('SIGTERM');
    for (const s of servers) expect(await s.exited).toBe(0);
  }, 120_000);
});
