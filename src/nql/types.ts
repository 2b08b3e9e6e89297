// Value types the analyzer infers for expressions. They mirror the dataset attribute types (so an
// output schema is a direct translation) plus three analysis-only types:
//   null    - the literal NULL, compatible with everything;
//   unknown - an expression that already produced an error; compatible with everything so one
//             mistake is reported once, not once per enclosing expression;
//   interval- `INTERVAL '1' DAY`, only meaningful next to a date or timestamp.
import type { Attribute, ScalarAttributeType } from './schema.js';
import { setOwn } from './schema.js';

export type ScalarType = { type: ScalarAttributeType | 'null' | 'unknown' | 'interval' };
export type ObjectType = { type: 'object'; properties: Record<string, NqlType> };
export type ArrayType = { type: 'array'; items: NqlType };
export type NqlType = ScalarType | ObjectType | ArrayType;

export const T = {
  string: { type: 'string' },
  long: { type: 'long' },
  double: { type: 'double' },
  boolean: { type: 'boolean' },
  timestamptz: { type: 'timestamptz' },
  date: { type: 'date' },
  null: { type: 'null' },
  unknown: { type: 'unknown' },
  interval: { type: 'interval' },
} as const satisfies Record<string, ScalarType>;

export function arrayOf(items: NqlType): ArrayType {
  return { type: 'array', items };
}

export function fromAttribute(attribute: Attribute): NqlType {
  switch (attribute.type) {
    case 'object': {
      const properties: Record<string, NqlType> = {};
      for (const [name, child] of Object.entries(attribute.properties)) setOwn(properties, name, fromAttribute(child));
      return { type: 'object', properties };
    }
    case 'array':
      return arrayOf(fromAttribute(attribute.items));
    default:
      return { type: attribute.type };
  }
}

/** Field of an object type, by exact name first, then by a unique case-insensitive match
 * (engines compare column names case-insensitively, so users do too). */
export function objectField(type: ObjectType, name: string): { name: string; type: NqlType } | undefined {
  const exact = Object.prototype.hasOwnProperty.call(type.properties, name) ? type.properties[name] : undefined;
  if (exact) return { name, type: exact };
  const lower = name.toLowerCase();
  const matches = Object.keys(type.properties).filter((key) => key.toLowerCase() === lower);
  const only = matches.length === 1 ? matches[0] : undefined;
  const field = only === undefined ? undefined : type.properties[only];
  return only !== undefined && field ? { name: only, type: field } : undefined;
}

/** True when errors or NULL make the type unconstrained. */
export function isWildcard(t: NqlType): boolean {
  return t.type === 'unknown' || t.type === 'null';
}
export function isNumeric(t: NqlType): boolean {
  return t.type === 'long' || t.type === 'double' || isWildcard(t);
}
export function isStringLike(t: NqlType): boolean {
  return t.type === 'string' || isWildcard(t);
}
export function isTemporal(t: NqlType): boolean {
  return t.type === 'timestamptz' || t.type === 'date' || isWildcard(t);
}
export function isBooleanLike(t: NqlType): boolean {
  return t.type === 'boolean' || isWildcard(t);
}

export function typeName(t: NqlType): string {
  switch (t.type) {
    case 'array':
      return `array<${typeName(t.items)}>`;
    case 'object':
      return 'object';
    default:
      return t.type;
  }
}

export function sameType(a: NqlType, b: NqlType): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'array' && b.type === 'array') return sameType(a.items, b.items);
  if (a.type === 'object' && b.type === 'object') {
    const ka = Object.keys(a.properties);
    const kb = Object.keys(b.properties);
    return (
      ka.length === kb.length &&
      ka.every((k) => {
        const x = a.properties[k];
        const y = Object.prototype.hasOwnProperty.call(b.properties, k) ? b.properties[k] : undefined;
        return x !== undefined && y !== undefined && sameType(x, y);
      })
    );
  }
  return true;
}

/**
 * The common type of two values that meet in CASE branches, COALESCE, UNION columns or IN lists:
 * long widens to double, a date meets a timestamp as a timestamp, NULL takes the other side.
 * Undefined when they cannot meet (e.g. string and long: we refuse implicit string/number casts,
 * which Spark and DuckDB perform differently).
 */
export function commonType(a: NqlType, b: NqlType): NqlType | undefined {
  if (a.type === 'unknown' || b.type === 'unknown') return T.unknown;
  if (a.type === 'null') return b;
  if (b.type === 'null') return a;
  if (sameType(a, b)) return a;
  const pair = new Set([a.type, b.type]);
  if (pair.has('long') && pair.has('double')) return T.double;
  if (pair.has('date') && pair.has('timestamptz')) return T.timestamptz;
  if (a.type === 'array' && b.type === 'array') {
    const items = commonType(a.items, b.items);
    return items ? arrayOf(items) : undefined;
  }
  return undefined;
}

/** Whether `=`, `<` etc. may compare the two. String literals are allowed against dates and
 * timestamps (`ts >= '2024-01-01'`) because both engines cast such literals the same way. */
export function comparable(a: NqlType, b: NqlType, bIsStringLiteral = false, aIsStringLiteral = false): boolean {
  if (commonType(a, b)) return true;
  if (bIsStringLiteral && isTemporal(a)) return true;
  if (aIsStringLiteral && isTemporal(b)) return true;
  return false;
}
