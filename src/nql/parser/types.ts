import type { StructField, TypeSpec } from '../ast.js';
import type { Cursor } from './cursor.js';

/**
 * Type specifications for CAST and `::`: `BIGINT`, `VARCHAR(20)`, `DECIMAL(10, 2)`, `ARRAY<T>`, `MAP<K, V>`,
 * `STRUCT<name[:] T, ...>`. Names are upper-cased but not checked: which types exist is the analyzer's call.
 */
export function parseType(p: Cursor): TypeSpec {
  p.enter();
  const start = p.pos;
  const t = p.peek();
  if (t.type !== 'word') return p.unexpected(['a type name such as STRING, BIGINT or DOUBLE']);
  p.next();
  let result: TypeSpec;
  switch (t.upper) {
    case 'ARRAY': {
      p.expectOp('<', "'<' after ARRAY");
      const element = parseType(p);
      p.expectOp('>');
      result = { kind: 'array_type', element, span: p.spanFrom(start) };
      break;
    }
    case 'MAP': {
      p.expectOp('<', "'<' after MAP");
      const key = parseType(p);
      p.expectOp(',');
      const value = parseType(p);
      p.expectOp('>');
      result = { kind: 'map_type', key, value, span: p.spanFrom(start) };
      break;
    }
    case 'STRUCT': {
      p.expectOp('<', "'<' after STRUCT");
      const fields: StructField[] = [];
      do {
        const fieldStart = p.pos;
        const name = p.expectAnyName('a field name');
        p.eatOp(':');
        const type = parseType(p);
        fields.push({ kind: 'struct_field', name, type, span: p.spanFrom(fieldStart) });
      } while (p.eatOp(','));
      p.expectOp('>', "',' or '>'");
      result = { kind: 'struct_type', fields, span: p.spanFrom(start) };
      break;
    }
    default: {
      const params: string[] = [];
      if (p.eatOp('(')) {
        do {
          const n = p.peek();
          if (n.type !== 'integer') p.unexpected(['an integer type parameter']);
          params.push(p.next().value);
        } while (p.eatOp(','));
        p.expectOp(')', "',' or ')'");
      }
      result = { kind: 'named_type', name: t.upper, params, span: p.spanFrom(start) };
    }
  }
  p.leave();
  return result;
}
