import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { validationFailed, type FieldError } from '../core/errors.js';
import { fieldErrors } from './problems.js';
import { storableKeyword } from './schemas/common.js';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const base: Options = { allErrors: true, strict: false, useDefaults: true };

export interface Validators {
  /** Fastify's validator compiler for route schemas. */
  compiler: FastifySchemaCompiler<TSchema>;
  /** Validates a nested value (e.g. a job's `input` against its type's schema); throws a 400 with pointers. */
  validateNested(schema: TSchema, value: unknown, pointerPrefix: string): void;
}

/**
 * Two validators on purpose. Bodies are JSON and must already have the right types: no coercion (so `"5"` is not
 * silently a number) and no silent removal of unknown fields (a typo must be a 400, not ignored).
 * Query strings and path parameters are text by nature, so they are coerced.
 * One pair per app instance, since Ajv refuses a second schema with the same $id.
 */
export function createValidators(sharedSchemas: TSchema[]): Validators {
  const bodyAjv = addFormats(new Ajv({ ...base, coerceTypes: false, removeAdditional: false }));
  const textAjv = addFormats(new Ajv({ ...base, coerceTypes: 'array', removeAdditional: false }));
  // Text() and JsonObject() (schemas/common.ts): what PostgreSQL cannot store is a 400 here, not a 500 later.
  bodyAjv.addKeyword(storableKeyword);
  textAjv.addKeyword(storableKeyword);
  for (const s of sharedSchemas) {
    bodyAjv.addSchema(s);
    textAjv.addSchema(s);
  }
  return {
    compiler: ({ schema, httpPart }) => {
      const ajv = httpPart === 'body' ? bodyAjv : textAjv;
      return ajv.compile(schema) as ReturnType<FastifySchemaCompiler<TSchema>>;
    },
    validateNested(schema, value, pointerPrefix) {
      const id = (schema as { $id?: string }).$id;
      const validate = (id ? bodyAjv.getSchema(id) : undefined) ?? bodyAjv.compile(schema);
      if (validate(value)) return;
      const errors: FieldError[] = fieldErrors(validate.errors as never, 'body').map((e) => ({
        ...e,
        pointer: `${pointerPrefix}${e.pointer === '/' ? '' : e.pointer}`,
      }));
      const first = errors[0]!;
      throw validationFailed(`body${first.pointer} ${first.message}`, errors);
    },
  };
}
