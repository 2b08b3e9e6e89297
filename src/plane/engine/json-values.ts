/**
 * DuckDB values -> JSON-safe values.
 *
 * The node-api's own JSON converter renders every BIGINT as a string (even a count of 3) and timestamps in
 * DuckDB's text form (`2024-01-01 10:00:00+00`). Everything the data plane returns ends up in API JSON, so we
 * normalise once: integers are numbers while exactly representable (|v| < 2^53) and decimal strings beyond,
 * timestamps are ISO 8601 UTC with microseconds, dates `YYYY-MM-DD`. Other types defer to the JSON converter,
 * recursing through this one so nested structs and lists get the same treatment.
 */
import {
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  type DuckDBValueConverter,
  type Json,
} from '@duckdb/node-api';

export type JsonValue = Json;
export type JsonRow = Record<string, JsonValue>;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A 64-bit-or-wider integer as a JSON number when it fits a double exactly, else as a decimal string. */
export function jsonSafeInteger(value: bigint): number | string {
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value.toString();
}

// JS Date's range is +-8.64e15 ms; DuckDB's is wider (and has +-infinity).
const MAX_DATE_MICROS = 8_640_000_000_000_000_000n;

/** Microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`, or null when JS cannot represent it. */
export function isoFromEpochMicros(micros: bigint): string | null {
  if (micros > MAX_DATE_MICROS || micros < -MAX_DATE_MICROS) return null;
  // Floor division so that negative instants keep a non-negative microsecond remainder.
  let millis = micros / 1000n;
  let rest = micros % 1000n;
  if (rest < 0n) {
    millis -= 1n;
    rest += 1000n;
  }
  const iso = new Date(Number(millis)).toISOString(); // ...SS.mmmZ
  return `${iso.slice(0, -1)}${rest.toString().padStart(3, '0')}Z`;
}

export const jsonSafeConverter: DuckDBValueConverter<Json> = (value, type, converter) => {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return typeof value === 'bigint' ? jsonSafeInteger(value) : String(value);
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.TIMESTAMP:
      if (value instanceof DuckDBTimestampTZValue || value instanceof DuckDBTimestampValue) {
        return isoFromEpochMicros(value.micros) ?? String(value);
      }
      return String(value);
    default:
      return JsonDuckDBValueConverter(value, type, converter);
  }
};
