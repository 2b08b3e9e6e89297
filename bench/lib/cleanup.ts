/**
 * What a benchmark must undo however it ends (success, failure, Ctrl-C, a deadline): servers to stop, databases to
 * drop, directories to remove. Steps run once, newest first; a failing step is logged and the rest still run.
 * SIGINT and SIGTERM run them and exit 130.
 */
export interface Cleanup {
  add(name: string, fn: () => Promise<unknown> | unknown): void;
  /** Runs the steps (once: later calls share the first run). */
  run(): Promise<void>;
}

export function cleanupOnExit(log: (message: string) => void, opts: { first?: () => void } = {}): Cleanup {
  const steps: Array<{ name: string; fn: () => Promise<unknown> | unknown }> = [];
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= (async () => {
      opts.first?.();
      for (const { name, fn } of steps.reverse()) {
        try {
          await fn();
        } catch (err) {
          log(`cleanup "${name}" failed: ${(err as Error).message}`);
        }
      }
    })();
    return running;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      void run().finally(() => process.exit(130));
    });
  }
  return { add: (name, fn) => steps.push({ name, fn }), run };
}
