// Types of literals, casts and EXTRACT. Literal text is validated here because the compilers
// re-emit it (escaped) and an engine would otherwise fail at run time with a less helpful message.
import type { CastExpr, ExtractExpr, IntervalLiteral, TypeSpec, TypedLiteral } from '../ast.js';
import type { NqlType } from '../types.js';
import { T, arrayOf, isWildcard, typeName } from '../types.js';
import { setOwn } from '../schema.js';
import { detailAt } from './errors.js';
import { checkIntroducedName } from './identifiers.js';
import type { ExprEnv } from './expr-env.js';

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?\s?(?:Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/;

function validCalendarDate(y: string, m: string, d: string): boolean {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
}

export function typedLiteralType(lit: TypedLiteral, env: ExprEnv): NqlType {
  if (lit.type === 'TIME') {
    env.ctx.errors.push(detailAt(lit.span, 'unsupported', 'TIME values are not supported; use a TIMESTAMP'));
    return T.unknown;
  }
  const match = (lit.type === 'DATE' ? DATE_TEXT : TIMESTAMP_TEXT).exec(lit.value);
  const [, y, m, d, hh, mm, ss] = match ?? [];
  const timeOk = (hh === undefined || Number(hh) < 24) && (mm === undefined || Number(mm) < 60) && (ss === undefined || Number(ss) < 60);
  if (!match || !y || !m || !d || !validCalendarDate(y, m, d) || !timeOk) {
    const example = lit.type === 'DATE' ? "DATE '2024-01-31'" : "TIMESTAMP '2024-01-31 12:00:00'";
    env.ctx.errors.push(detailAt(lit.span, 'type_mismatch', `invalid ${lit.type} literal '${lit.value}', expected e.g. ${example}`));
    return T.unknown;
  }
  return lit.type === 'DATE' ? T.date : T.timestamptz;
}

export function intervalType(lit: IntervalLiteral, env: ExprEnv): NqlType {
  if (!lit.unit || lit.toUnit || !/^\d{1,9}$/.test(lit.value.trim())) {
    env.ctx.errors.push(
      detailAt(lit.span, 'unsupported', "only single-unit intervals with a whole number are supported, e.g. INTERVAL '3' DAY"),
    );
    return T.unknown;
  }
  return T.interval;
}

const NAMED_TYPES: Record<string, NqlType> = {
  STRING: T.string,
  VARCHAR: T.string,
  CHAR: T.string,
  TEXT: T.string,
  BOOLEAN: T.boolean,
  BOOL: T.boolean,
  LONG: T.long,
  BIGINT: T.long,
  INT: T.long,
  INTEGER: T.long,
  SMALLINT: T.long,
  TINYINT: T.long,
  DOUBLE: T.double,
  FLOAT: T.double,
  REAL: T.double,
  // DECIMAL rounds to its scale, then the value continues as a double (NQL has no decimal column type).
  DECIMAL: T.double,
  NUMERIC: T.double,
  DATE: T.date,
  TIMESTAMP: T.timestamptz,
  TIMESTAMPTZ: T.timestamptz,
  TIMESTAMP_LTZ: T.timestamptz,
};

/** The NQL type a CAST target names, or an error message. */
export function typeOfSpec(spec: TypeSpec): NqlType | string {
  switch (spec.kind) {
    case 'named_type': {
      const t = Object.prototype.hasOwnProperty.call(NAMED_TYPES, spec.name) ? NAMED_TYPES[spec.name] : undefined;
      if (!t) return `unknown type ${spec.name}`;
      if ((spec.name === 'DECIMAL' || spec.name === 'NUMERIC') && spec.params.length > 0) {
        const [p, s = '0'] = spec.params;
        if (Number(p) < 1 || Number(p) > 38 || Number(s) > Number(p)) return `invalid ${spec.name}(${spec.params.join(', ')})`;
      }
      return t;
    }
    case 'array_type': {
      const items = typeOfSpec(spec.element);
      return typeof items === 'string' ? items : arrayOf(items);
    }
    case 'struct_type': {
      const properties: Record<string, NqlType> = {};
      for (const field of spec.fields) {
        const t = typeOfSpec(field.type);
        if (typeof t === 'string') return t;
        setOwn(properties, field.name.value, t);
      }
      return { type: 'object', properties };
    }
    case 'map_type':
      return 'MAP values are not supported (dataset attributes are objects or arrays)';
  }
}

function checkStructFields(spec: TypeSpec, env: ExprEnv): void {
  if (spec.kind === 'array_type') checkStructFields(spec.element, env);
  if (spec.kind === 'struct_type') {
    for (const field of spec.fields) {
      checkIntroducedName(env.ctx, field.name);
      checkStructFields(field.type, env);
    }
  }
}

export function castType(cast: CastExpr, source: NqlType, env: ExprEnv): NqlType {
  checkStructFields(cast.type, env);
  const target = typeOfSpec(cast.type);
  if (typeof target === 'string') {
    env.ctx.errors.push(detailAt(cast.type.span, 'unsupported', target));
    return T.unknown;
  }
  const nested = (t: NqlType) => t.type === 'object' || t.type === 'array';
  if (!isWildcard(source) && nested(source) !== nested(target)) {
    env.ctx.errors.push(detailAt(cast.span, 'type_mismatch', `cannot cast ${typeName(source)} to ${typeName(target)}`));
    return T.unknown;
  }
  return target;
}

const EXTRACT_ON_DATES = new Set(['YEAR', 'QUARTER', 'MONTH', 'WEEK', 'DAY', 'DAYOFWEEK', 'DOW', 'DAYOFYEAR', 'DOY']);
const EXTRACT_ON_TIMESTAMPS = new Set(['HOUR', 'MINUTE', 'SECOND']);

export function extractType(extract: ExtractExpr, source: NqlType, env: ExprEnv): NqlType {
  const field = extract.field;
  if (!EXTRACT_ON_DATES.has(field) && !EXTRACT_ON_TIMESTAMPS.has(field)) {
    const hint = field === 'EPOCH' ? '; use UNIX_TIMESTAMP(t)' : '';
    env.ctx.errors.push(detailAt(extract.span, 'unsupported', `EXTRACT(${field} ...) is not supported${hint}`));
    return T.unknown;
  }
  const ok = isWildcard(source) || source.type === 'timestamptz' || (source.type === 'date' && EXTRACT_ON_DATES.has(field));
  if (!ok) {
    env.ctx.errors.push(detailAt(extract.expr.span, 'type_mismatch', `cannot EXTRACT ${field} from ${typeName(source)}`));
    return T.unknown;
  }
  return T.long;
}
