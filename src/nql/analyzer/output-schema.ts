// Pass: the statement's output columns become a Narrative dataset schema (the schema of the
// materialized view's dataset). Names must be unique regardless of case (DuckDB and Parquet
// readers match columns case-insensitively) and every column needs a concrete type.
import type { Attribute, DatasetSchema } from '../schema.js';
import { ATTRIBUTE_NAME_PATTERN, MAX_ATTRIBUTE_NAME_LENGTH, RESERVED_ATTRIBUTE_NAMES, setOwn } from '../schema.js';
import type { NqlType } from '../types.js';
import type { AnalysisContext } from './context.js';
import { detailAt } from './errors.js';

/** The attribute for a type, or undefined for types no dataset can store (NULL, interval). */
export function attributeOf(type: NqlType): Attribute | undefined {
  switch (type.type) {
    case 'object': {
      const properties: Record<string, Attribute> = {};
      for (const [name, child] of Object.entries(type.properties)) {
        const attribute = attributeOf(child);
        if (!attribute) return undefined;
        setOwn(properties, name, attribute);
      }
      return { type: 'object', properties };
    }
    case 'array': {
      const items = attributeOf(type.items);
      return items ? { type: 'array', items } : undefined;
    }
    case 'null':
    case 'unknown':
    case 'interval':
      return undefined;
    default:
      return { type: type.type };
  }
}

function selectItemSpan(ctx: AnalysisContext, index: number) {
  const body = ctx.query.body;
  if (body.kind === 'select_core') {
    const item = body.projections[index];
    if (item) return item.span;
  }
  return ctx.query.span;
}

export function buildOutputSchema(ctx: AnalysisContext): DatasetSchema {
  const properties: Record<string, Attribute> = {};
  const seen = new Map<string, string>();
  const isView = ctx.kind === 'create_materialized_view';
  ctx.outputColumns.forEach((column, index) => {
    const span = selectItemSpan(ctx, index);
    const lower = column.name.toLowerCase();
    const previous = seen.get(lower);
    if (previous !== undefined) {
      ctx.errors.push(detailAt(span, 'duplicate_name', `duplicate output column "${column.name}" (also "${previous}"); give one an alias`));
      return;
    }
    seen.set(lower, column.name);
    if (isView && (!ATTRIBUTE_NAME_PATTERN.test(column.name) || column.name.length > MAX_ATTRIBUTE_NAME_LENGTH)) {
      ctx.errors.push(detailAt(span, 'invalid_option', `output column name "${column.name}" must be letters, digits and underscores, starting with a letter or underscore`));
    } else if (isView && (RESERVED_ATTRIBUTE_NAMES.has(column.name) || column.name.startsWith('_nio_'))) {
      ctx.errors.push(detailAt(span, 'invalid_option', `output column name "${column.name}" is reserved`));
    }
    const attribute = attributeOf(column.type);
    if (!attribute) {
      if (column.type.type !== 'unknown') {
        ctx.errors.push(detailAt(span, 'type_mismatch', `output column "${column.name}" has no storable type (${column.type.type}); CAST it, e.g. CAST(NULL AS STRING)`));
      }
      return;
    }
    attribute.display_name = column.name; // a fresh object from attributeOf
    setOwn(properties, column.name, attribute);
  });
  return { type: 'object', properties };
}
