/**
 * How commands print: a table or `key: value` lines for people (always: on a terminal and in a pipe alike, as
 * kubectl does), `--json` for scripts (the API's JSON, unchanged, so its shape is the API's), and `--field PATH`
 * for one value (`jobplane job get ID --field result.dataset_id`). Progress and notices go to stderr, so stdout
 * carries only the result.
 */

export interface OutputFlags {
  json?: boolean;
  field?: string;
}

export function write(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  write(JSON.stringify(value, null, 2));
}

/** The value at a dot path (`result.dataset_id`, `records.0.id`); undefined when any step is missing. */
export function valueAt(value: unknown, dotPath: string): unknown {
  let v: unknown = value;
  for (const step of dotPath.split('.').filter(Boolean)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[step];
  }
  return v;
}

/** A scalar as itself, anything else as JSON: what `--field` prints. */
export function plain(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Prints `value` per the output flags: `--json` the whole value, `--field` one value of it (a missing field is an
 * error, so that a typo does not print an empty line a script then uses), else `human()`.
 */
export function emit(value: unknown, flags: OutputFlags, human: () => string): void {
  if (flags.field !== undefined) {
    const v = valueAt(value, flags.field);
    if (v === undefined) throw new Error(`--field ${flags.field}: no such field in the answer (see --json for its shape)`);
    write(plain(v));
  } else if (flags.json) {
    printJson(value);
  } else {
    write(human());
  }
}

/** Columns separated by two spaces, headers in capitals: the kubectl / gh look. Cells are single-line. */
export function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<unknown>>): string {
  const cells = rows.map((r) => r.map((c) => oneLine(plain(c === undefined || c === null || c === '' ? '-' : c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...cells.map(line)].join('\n');
}

/** `key: value` lines, keys aligned; undefined values are left out, null shows as `-`. */
export function details(pairs: ReadonlyArray<readonly [string, unknown]>): string {
  const shown = pairs.filter(([, v]) => v !== undefined);
  const width = Math.max(...shown.map(([k]) => k.length)) + 1;
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v === null || v === '' ? '-' : plain(v)}`).join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

/** Cuts a cell at `max` characters with an ellipsis (for free text such as failure messages). */
export function cut(text: string | null | undefined, max = 60): string {
  if (!text) return '';
  const flat = oneLine(text);
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** `42s`, `5m`, `3h`, `2d` since `iso` (kubectl's AGE column). */
export function age(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
