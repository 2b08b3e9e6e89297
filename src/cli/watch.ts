/**
 * `--watch`: ask again every interval. On a terminal the whole view is redrawn in place (like watch(1)); in a pipe
 * only what changed is printed, one line per new or changed item (like `kubectl get -w`), or one JSON object per
 * line with `--json`. Ends when `done` says so, or on Ctrl-C.
 */
export interface WatchSpec<T> {
  intervalMs: number;
  json: boolean;
  fetch(): Promise<T[]>;
  /** Identity of an item, and a string that changes whenever the item does. */
  key(item: T): string;
  version(item: T): string;
  /** The whole view (terminal). */
  render(items: T[]): string;
  /** One item's line (pipe). */
  line(item: T): string;
  /** Printed once before the first lines in a pipe (e.g. a table header). */
  header?(): string;
  done?(items: T[]): boolean;
}

export async function watchLoop<T>(spec: WatchSpec<T>): Promise<void> {
  const tty = Boolean(process.stdout.isTTY) && !spec.json;
  const seen = new Map<string, string>();
  let first = true;
  for (;;) {
    const items = await spec.fetch();
    if (tty) {
      process.stdout.write(`\x1b[H\x1b[2J${new Date().toLocaleTimeString()}  every ${spec.intervalMs / 1000}s (Ctrl-C stops)\n\n${spec.render(items)}\n`);
    } else {
      if (first && !spec.json && spec.header) process.stdout.write(`${spec.header()}\n`);
      for (const item of items) {
        const version = spec.version(item);
        if (seen.get(spec.key(item)) === version) continue;
        seen.set(spec.key(item), version);
        process.stdout.write(`${spec.json ? JSON.stringify(item) : spec.line(item)}\n`);
      }
    }
    first = false;
    if (spec.done?.(items)) return;
    await new Promise((resolve) => setTimeout(resolve, spec.intervalMs));
  }
}
