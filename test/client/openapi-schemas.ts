import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Schema = Record<string, any>;
export type OpenApiDoc = { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, Schema> } };

/**
 * Reads request/response schemas out of the server's OpenAPI document and validates samples against them, with
 * `$ref`s resolved inside the document (Ajv compiles a ref into the doc registered under the id "openapi").
 */
export class OpenApiSchemas {
  private readonly ajv: Ajv;

  constructor(readonly doc: OpenApiDoc) {
    this.ajv = addFormats(new Ajv({ strict: false, allErrors: true, validateSchema: false }));
    this.ajv.addSchema({ ...doc, $id: 'openapi' } as Schema);
  }

  operation(method: string, path: string): Schema | undefined {
    return this.doc.paths[path]?.[method.toLowerCase()];
  }

  private pointer(...segments: string[]): string {
    return `openapi#/${segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
  }

  requestBodyValidator(method: string, path: string): ValidateFunction | undefined {
    if (!this.operation(method, path)?.requestBody) return undefined;
    return this.ajv.compile({ $ref: this.pointer('paths', path, method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema') });
  }

  responseValidator(method: string, path: string, status: string): ValidateFunction {
    return this.ajv.compile({ $ref: this.pointer('paths', path, method.toLowerCase(), 'responses', status, 'content', 'application/json', 'schema') });
  }

  requestBodySchema(method: string, path: string): Schema | undefined {
    const body = this.operation(method, path)?.requestBody;
    return body ? this.resolve(body.content['application/json'].schema) : undefined;
  }

  responseSchema(method: string, path: string, status: string): Schema {
    return this.resolve(this.operation(method, path)!.responses[status].content['application/json'].schema);
  }

  /** Top-level property names and required names, following $ref and merging allOf. */
  fields(schema: Schema): { properties: string[]; required: string[] } {
    const s = this.resolve(schema);
    if (s.allOf) {
      const parts = (s.allOf as Schema[]).map((p) => this.fields(p));
      return { properties: parts.flatMap((p) => p.properties), required: parts.flatMap((p) => p.required) };
    }
    return { properties: Object.keys(s.properties ?? {}), required: [...(s.required ?? [])] };
  }

  queryParameters(method: string, path: string): string[] {
    return (this.operation(method, path)?.parameters ?? []).filter((p: Schema) => p.in === 'query').map((p: Schema) => p.name);
  }

  pathParameters(method: string, path: string): string[] {
    return (this.operation(method, path)?.parameters ?? []).filter((p: Schema) => p.in === 'path').map((p: Schema) => p.name);
  }

  resolve(schema: Schema): Schema {
    let s = schema;
    while (s && typeof s.$ref === 'string') {
      const ref = s.$ref as string;
      const name = ref.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : ref;
      s = this.doc.components?.schemas?.[name] ?? (() => { throw new Error(`unresolvable $ref ${ref}`); })();
    }
    return s;
  }
}
