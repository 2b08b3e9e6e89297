// Benchmark settings from the environment.

/** A positive integer from `process.env[name]`, or `fallback` when unset; anything else stops the run. */
export function envInt(name: string, fallback: number): number {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer`);
  return v;
}
