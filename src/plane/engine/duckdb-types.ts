/**
 * The dataset schema (src/core/dataset-schema.ts) <-> DuckDB types: the DuckDB plane's one type mapping. Spark's is
 * in src/plane/spark.
 */
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { describeAttribute, type Attribute, type DatasetSchema, type ScalarAttributeType } from '../../core/dataset-schema.js';
import { sqlIdent } from './sql-text.js';

const SQL_BY_SCALAR: Record<ScalarAttributeType, string> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamptz: 'TIMESTAMPTZ',
  date: 'DATE',
};

/** DuckDB SQL type text for a Narrative type, e.g. `STRUCT("latitude" DOUBLE, "longitude" DOUBLE)`. */
export function duckSqlType(t: Attribute): string {
  switch (t.type) {
    case 'object': {
      const fields = Object.entries(t.properties);
      if (fields.length === 0) throw new Error('an object attribute needs at least one property');
      return `STRUCT(${fields.map(([name, child]) => `${sqlIdent(name)} ${duckSqlType(child)}`).join(', ')})`;
    }
    case 'array':
      return `${duckSqlType(t.items)}[]`;
    default: {
      const sql = SQL_BY_SCALAR[t.type];
      if (sql === undefined) throw new Error(`unsupported attribute type ${JSON.stringify((t as { type: unknown }).type)}`);
      return sql;
    }
  }
}

/** `SELECT CAST(<expr> AS T) AS "name", ...` projection list that gives a relation exactly the schema's shape. */
export function castProjection(schema: DatasetSchema, source: (name: string) => string = sqlIdent): string {
  const columns = Object.entries(schema.properties);
  if (columns.length === 0) throw new Error('a dataset schema needs at least one attribute');
  return columns.map(([name, t]) => `CAST(${source(name)} AS ${duckSqlType(t)}) AS ${sqlIdent(name)}`).join(', ');
}

/** An empty relation of the schema's shape, for a dataset that has no files yet. */
export function emptyRelationSql(schema: DatasetSchema): string {
  return `SELECT ${castProjection(schema, () => 'NULL')} LIMIT 0`;
}

export class UnsupportedColumnType extends Error {
  constructor(readonly duckdbType: string) {
    super(`DuckDB type ${duckdbType} has no Narrative attribute type`);
  }
}

/** The Narrative type a DuckDB column maps to. Throws UnsupportedColumnType (MAP, BLOB, INTERVAL, JSON, ...). */
export function attributeOfDuckType(t: DuckDBType): Attribute {
  if (t.alias === 'JSON') throw new UnsupportedColumnType('JSON (values of mixed types)');
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { type: 'boolean' };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return { type: 'long' };
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return { type: 'double' };
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.UUID:
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.SQLNULL: // a column that is null everywhere: CSV/JSON give no better hint
      return { type: 'string' };
    case DuckDBTypeId.DATE:
      return { type: 'date' };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { type: 'timestamptz' };
    case DuckDBTypeId.STRUCT: {
      const properties: Record<string, Attribute> = {};
      t.entryNames.forEach((name, i) => {
        const child = t.entryTypes[i];
        if (child !== undefined) properties[name] = attributeOfDuckType(child);
      });
      return { type: 'object', properties };
    }
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return { type: 'array', items: attributeOfDuckType(t.valueType) };
    default:
      throw new UnsupportedColumnType(t.toString());
  }
}

/**
 * Differences that stop `actual` data from being stored under the `expected` type, as `path: message` lines.
 * Allowed without a message: equal types, and long where double is expected (a lossless widening).
 */
export function typeMismatches(expected: Attribute, actual: Attribute, at: string): string[] {
  if (expected.type === 'object' && actual.type === 'object') {
    const problems: string[] = [];
    for (const [name, child] of Object.entries(expected.properties)) {
      const other = actual.properties[name];
      if (other === undefined) problems.push(`${join(at, name)}: missing (expected ${describeAttribute(child)})`);
      else problems.push(...typeMismatches(child, other, join(at, name)));
    }
    for (const name of Object.keys(actual.properties)) {
      if (!(name in expected.properties)) problems.push(`${join(at, name)}: not in the dataset schema`);
    }
    return problems;
  }
  if (expected.type === 'array' && actual.type === 'array') return typeMismatches(expected.items, actual.items, `${at}[]`);
  if (expected.type === actual.type) return [];
  if (expected.type === 'double' && actual.type === 'long') return [];
  return [`${at}: expected ${describeAttribute(expected)}, found ${describeAttribute(actual)}`];
}

function join(at: string, name: string): string {
  return at === '' ? name : `${at}.${name}`;
}
