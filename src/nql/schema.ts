// Validation of the Narrative dataset schema (the API calls `validateDatasetSchema` for `POST /datasets`). The
// schema's TypeScript shape is src/core/dataset-schema.ts; each engine maps it to its column types in its own module.

import type { Attribute, DatasetSchema } from '../core/dataset-schema.js';
import { SCALAR_ATTRIBUTE_TYPES } from '../core/dataset-schema.js';

export { SCALAR_ATTRIBUTE_TYPES } from '../core/dataset-schema.js';
export type {
  ArrayAttribute, Attribute, DatasetSchema, ObjectAttribute, ScalarAttribute, ScalarAttributeType,
} from '../core/dataset-schema.js';

export interface SchemaError {
  /** JSON pointer (RFC 6901) into the validated document, prefixed with the caller's base pointer. */
  pointer: string;
  message: string;
}

/** Names are quoted everywhere we emit them, but Parquet, DuckDB and Spark all treat column names
 * case-insensitively somewhere, so we keep to a portable alphabet and refuse case-only duplicates. */
export const ATTRIBUTE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_ATTRIBUTE_NAME_LENGTH = 128;
/** Deep enough for real data (the seed nests 2 levels); shallow enough that validation and type
 * printing can recurse without any risk to the stack. */
export const MAX_SCHEMA_DEPTH = 16;
/** Virtual and system columns the platform adds; a dataset must not declare them itself. */
export const RESERVED_ATTRIBUTE_NAMES: ReadonlySet<string> = new Set([
  '_price_cpm_usd',
  '_access_rule_id',
  '_source_company_id',
  '_rosetta_stone',
]);
const RESERVED_PREFIX = '_nio_';

const ATTRIBUTE_KEYS: Record<Attribute['type'], readonly string[]> = {
  string: ['type', 'display_name', 'description'],
  long: ['type', 'display_name', 'description'],
  double: ['type', 'display_name', 'description'],
  boolean: ['type', 'display_name', 'description'],
  timestamptz: ['type', 'display_name', 'description'],
  date: ['type', 'display_name', 'description'],
  object: ['type', 'display_name', 'description', 'properties'],
  array: ['type', 'display_name', 'description', 'items'],
};
const ROOT_KEYS = ['type', 'properties', 'file_config', 'description'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Own-property lookup: schema keys come from users, so `constructor` or `__proto__` must never
 * resolve to something inherited from Object.prototype. */
export function ownAttribute(properties: Record<string, Attribute>, name: string): Attribute | undefined {
  return Object.prototype.hasOwnProperty.call(properties, name) ? properties[name] : undefined;
}

/** Sets an own, enumerable property even for keys like `__proto__` (plain assignment would set the
 * prototype instead). Used wherever user-chosen names become object keys. */
export function setOwn<V>(record: Record<string, V>, key: string, value: V): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

/**
 * Validates an untrusted JSON value as a dataset schema. Returns every problem found (empty when
 * valid), each pointed at the offending member, e.g. `/properties/geo/properties/lat/type`.
 */
export function validateDatasetSchema(value: unknown, basePointer = ''): SchemaError[] {
  const errors: SchemaError[] = [];
  if (!isRecord(value)) {
    errors.push({ pointer: basePointer, message: 'schema must be an object' });
    return errors;
  }
  for (const key of Object.keys(value)) {
    if (!ROOT_KEYS.includes(key)) {
      errors.push({ pointer: `${basePointer}/${pointerToken(key)}`, message: `unknown member "${key}"` });
    }
  }
  if (value['type'] !== 'object') {
    errors.push({ pointer: `${basePointer}/type`, message: 'must be "object"' });
  }
  if (value['file_config'] !== undefined && !isRecord(value['file_config'])) {
    errors.push({ pointer: `${basePointer}/file_config`, message: 'must be an object' });
  }
  if (value['description'] !== undefined && typeof value['description'] !== 'string') {
    errors.push({ pointer: `${basePointer}/description`, message: 'must be a string' });
  }
  validateProperties(value['properties'], `${basePointer}/properties`, 1, errors, true);
  return errors;
}

function validateProperties(
  value: unknown,
  pointer: string,
  depth: number,
  errors: SchemaError[],
  isRoot: boolean,
): void {
  if (!isRecord(value)) {
    errors.push({ pointer, message: 'must be an object mapping attribute names to attributes' });
    return;
  }
  const names = Object.keys(value);
  if (names.length === 0) {
    errors.push({ pointer, message: 'must declare at least one attribute' });
  }
  const seenLower = new Map<string, string>();
  for (const name of names) {
    const at = `${pointer}/${pointerToken(name)}`;
    checkAttributeName(name, at, isRoot, errors);
    const lower = name.toLowerCase();
    const clash = seenLower.get(lower);
    if (clash !== undefined) {
      errors.push({ pointer: at, message: `attribute "${name}" differs from "${clash}" only by case` });
    }
    seenLower.set(lower, name);
    validateAttribute(value[name], at, depth, errors);
  }
}

function checkAttributeName(name: string, pointer: string, isRoot: boolean, errors: SchemaError[]): void {
  if (name.length > MAX_ATTRIBUTE_NAME_LENGTH) {
    errors.push({ pointer, message: `attribute name is longer than ${MAX_ATTRIBUTE_NAME_LENGTH} characters` });
  } else if (!ATTRIBUTE_NAME_PATTERN.test(name)) {
    errors.push({
      pointer,
      message: `attribute name "${name}" must start with a letter or underscore and contain only letters, digits and underscores`,
    });
  }
  if (isRoot && (RESERVED_ATTRIBUTE_NAMES.has(name) || name.startsWith(RESERVED_PREFIX))) {
    errors.push({ pointer, message: `attribute name "${name}" is reserved by the platform` });
  }
}

function validateAttribute(value: unknown, pointer: string, depth: number, errors: SchemaError[]): void {
  if (!isRecord(value)) {
    errors.push({ pointer, message: 'attribute must be an object with a "type"' });
    return;
  }
  if (depth > MAX_SCHEMA_DEPTH) {
    errors.push({ pointer, message: `attributes nest deeper than ${MAX_SCHEMA_DEPTH} levels` });
    return;
  }
  const type = value['type'];
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(ATTRIBUTE_KEYS, type)) {
    errors.push({
      pointer: `${pointer}/type`,
      message: `must be one of ${Object.keys(ATTRIBUTE_KEYS).join(', ')}`,
    });
    return;
  }
  const allowed = ATTRIBUTE_KEYS[type as Attribute['type']];
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      errors.push({ pointer: `${pointer}/${pointerToken(key)}`, message: `unknown member "${key}" for type ${type}` });
    }
  }
  for (const key of ['display_name', 'description']) {
    if (value[key] !== undefined && typeof value[key] !== 'string') {
      errors.push({ pointer: `${pointer}/${key}`, message: 'must be a string' });
    }
  }
  if (type === 'object') {
    validateProperties(value['properties'], `${pointer}/properties`, depth + 1, errors, false);
  } else if (type === 'array') {
    validateAttribute(value['items'], `${pointer}/items`, depth + 1, errors);
  }
}

/** Throws unless `value` is a valid schema; convenient where the caller already validated. */
export function assertDatasetSchema(value: unknown): DatasetSchema {
  const errors = validateDatasetSchema(value);
  if (errors.length > 0) {
    const first = errors[0];
    throw new TypeError(`invalid dataset schema: ${first?.pointer || '/'} ${first?.message ?? ''}`);
  }
  return value as DatasetSchema;
}
