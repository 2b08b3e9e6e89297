/**
 * Arrow results of Spark Connect -> JSON-safe rows, by the same rules as the DuckDB plane (json-values.ts):
 * 64-bit integers are numbers below 2^53 and decimal strings beyond, timestamps ISO 8601 UTC with microseconds,
 * dates `YYYY-MM-DD`, structs objects, arrays arrays, maps objects, binary base64.
 *
 * Spark sends each batch as its own Arrow IPC stream (schema + record batch), so a result is a list of tables
 * that share one schema.
 */
import { DataType, tableFromIPC, type Field, type Table, type Vector } from 'apache-arrow';
import { isoFromEpochMicros, jsonSafeInteger, type JsonRow, type JsonValue } from '../engine/json-values.js';

export function decodeArrowBatch(data: Uint8Array): Table {
  return tableFromIPC(data);
}

export function rowsOf(tables: readonly Table[]): JsonRow[] {
  const rows: JsonRow[] = [];
  for (const table of tables) {
    const fields = table.schema.fields;
    const columns = fields.map((f) => table.getChild(f.name) as Vector | null);
    for (let i = 0; i < table.numRows; i++) {
      const row: JsonRow = {};
      fields.forEach((field, c) => {
        row[field.name] = toJson(columns[c]?.get(i), field.type);
      });
      rows.push(row);
    }
  }
  return rows;
}

/** Column names and Spark-side Arrow types of a result (for previews). */
export function columnsOf(tables: readonly Table[]): Array<{ name: string; type: string }> {
  const schema = tables[0]?.schema;
  return schema ? schema.fields.map((f: Field) => ({ name: f.name, type: String(f.type) })) : [];
}

function toJson(value: unknown, type: DataType): JsonValue {
  if (value === null || value === undefined) return null;
  if (DataType.isInt(type)) return typeof value === 'bigint' ? jsonSafeInteger(value) : (value as number);
  if (DataType.isFloat(type)) return Number.isFinite(value as number) ? (value as number) : String(value);
  if (DataType.isBool(type) || DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return value as JsonValue;
  if (DataType.isTimestamp(type)) {
    // arrow-js gives epoch milliseconds as a double; microsecond timestamps keep their fraction exactly up to 2255.
    return isoFromEpochMicros(BigInt(Math.round((value as number) * 1000))) ?? String(value);
  }
  if (DataType.isDate(type)) {
    const ms = value instanceof Date ? value.getTime() : (value as number);
    return new Date(ms).toISOString().slice(0, 10);
  }
  if (DataType.isDecimal(type)) return String(value);
  if (DataType.isBinary(type) || DataType.isLargeBinary(type) || DataType.isFixedSizeBinary(type)) {
    return Buffer.from(value as Uint8Array).toString('base64');
  }
  if (DataType.isStruct(type)) {
    const out: Record<string, JsonValue> = {};
    const row = value as Record<string, unknown>;
    for (const child of type.children) out[child.name] = toJson(row[child.name], child.type);
    return out;
  }
  if (DataType.isList(type) || DataType.isFixedSizeList(type)) {
    const items = type.children[0]!.type;
    return [...(value as Iterable<unknown>)].map((v) => toJson(v, items));
  }
  if (DataType.isMap(type)) {
    const entry = type.children[0]!.type as DataType;
    const valueType = (entry.children[1]?.type ?? entry) as DataType;
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of value as Iterable<[unknown, unknown]>) out[String(k)] = toJson(v, valueType);
    return out;
  }
  return String(value);
}
