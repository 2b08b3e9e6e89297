import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../../src/store/db/types.js';

/**
 * Everything a request could change, as one comparable value: a digest of every row of every table (one statement,
 * tables found in the catalogue, so tables added later are covered) and every path under the storage root.
 *
 * Left out, because they change in the background without any request: the event sequencer's stamps
 * (`job_events.seq`, `event_sequencer`) and webhook delivery attempts; also the upload staging root itself.
 */
const IGNORED_TABLES = new Set(['schema_migrations', 'event_sequencer', 'webhook_deliveries']);
const IGNORED_COLUMNS: Record<string, readonly string[]> = { job_events: ['seq'] };
const IGNORED_PATHS = new Set(['imports/']);

export interface StateFingerprint {
  db: Record<string, string>;
  files: string[];
}

export class StateProbe {
  private constructor(private readonly db: Db, private readonly storageRoot: string | undefined, private readonly sql: string) {}

  static async open(db: Db, storageRoot?: string): Promise<StateProbe> {
    const columns = await db.query<{ table_name: string; column_name: string }>(
      `SELECT c.table_name, c.column_name FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
        ORDER BY c.table_name, c.ordinal_position`,
    );
    const byTable = new Map<string, string[]>();
    for (const { table_name: t, column_name: c } of columns) {
      if (IGNORED_TABLES.has(t) || IGNORED_COLUMNS[t]?.includes(c)) continue;
      byTable.set(t, [...(byTable.get(t) ?? []), c]);
    }
    const parts = [...byTable].map(([table, cols]) => {
      const row = `row(${cols.map((c) => `t."${c}"`).join(', ')})::text`;
      return `'${table}', (SELECT count(*)::text || ':' || coalesce(md5(string_agg(${row}, '|' ORDER BY ${row})), '') FROM "${table}" t)`;
    });
    return new StateProbe(db, storageRoot, `SELECT json_build_object(${parts.join(', ')}) AS fp`);
  }

  async take(): Promise<StateFingerprint> {
    const [row] = await this.db.query<{ fp: Record<string, string> | string }>(this.sql);
    const fp = typeof row!.fp === 'string' ? JSON.parse(row!.fp) as Record<string, string> : row!.fp;
    return { db: fp, files: this.storageRoot ? await listTree(this.storageRoot) : [] };
  }
}

/** Relative paths under `root`, directories with a trailing slash, files with their size. */
export async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const full = path.join(dir, e.name);
      const rel = path.relative(root, full);
      if (e.isDirectory()) {
        if (IGNORED_PATHS.has(`${rel}/`)) continue;
        out.push(`${rel}/`);
        await walk(full);
      } else {
        const size = await stat(full).then((s) => s.size, () => -1);
        out.push(`${rel} ${size}`);
      }
    }
  };
  await walk(root);
  return out.sort();
}

/** What differs between two fingerprints, in words ('' = nothing); `allowed` tables may change. */
export function describeChange(before: StateFingerprint, after: StateFingerprint, allowed: readonly string[] = []): string {
  const tables = Object.keys({ ...before.db, ...after.db }).filter((t) => before.db[t] !== after.db[t] && !allowed.includes(t));
  const added = after.files.filter((f) => !before.files.includes(f));
  const removed = before.files.filter((f) => !after.files.includes(f));
  return [
    tables.length ? `tables changed: ${tables.join(', ')}` : '',
    added.length ? `files added: ${added.slice(0, 5).join(', ')}` : '',
    removed.length ? `files removed: ${removed.slice(0, 5).join(', ')}` : '',
  ].filter(Boolean).join('; ');
}
