/** Option parsers for commander: each refuses bad input with a message that names the flag. */

export function positiveInt(flag: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${text}"`);
    return n;
  };
}

export function nonNegativeInt(flag: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got "${text}"`);
    return n;
  };
}

export function intBetween(flag: string, min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`${flag} must be an integer from ${min} to ${max}, got "${text}"`);
    return n;
  };
}

export function oneOf<T extends string>(flag: string, values: readonly T[]) {
  return (text: string): T => {
    if (!values.includes(text as T)) throw new Error(`${flag} must be one of ${values.join(', ')}, got "${text}"`);
    return text as T;
  };
}

/** A dataset id argument (`jobplane dataset get 6402`). */
export function datasetIdArg(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`a dataset id is a positive integer, got "${text}"`);
  return n;
}

/** `30s`, `5m`, `2h`, `1d`, `500ms`; a plain number is seconds (as for sleep(1)). */
export function durationMs(flag: string) {
  return (text: string): number => {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
    if (!m) throw new Error(`${flag} must be a duration such as 30s, 5m, 2h or 1d, got "${text}"`);
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
    const ms = Number(m[1]) * unit;
    if (!(ms > 0)) throw new Error(`${flag} must be positive, got "${text}"`);
    return ms;
  };
}
