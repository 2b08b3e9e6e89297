/** docs/api.md, generated from the server's OpenAPI document (a test keeps the file current). */
interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Record<string, unknown>; description?: string }>;
  requestBody?: { content?: Record<string, { schema?: Record<string, unknown> }> };
  responses?: Record<string, unknown>;
}

function typeOf(schema: Record<string, unknown> | undefined): string {
  if (!schema) return '';
  if (schema['$ref']) return String(schema['$ref']).replace('#/components/schemas/', '');
  if (Array.isArray(schema['enum'])) return (schema['enum'] as unknown[]).map((v) => `\`${String(v)}\``).join(' \\| ');
  if (schema['anyOf']) return (schema['anyOf'] as Record<string, unknown>[]).map(typeOf).join(' or ');
  if (schema['type'] === 'array') return `array of ${typeOf(schema['items'] as Record<string, unknown>)}`;
  return String(schema['type'] ?? 'any') + (schema['format'] ? ` (${String(schema['format'])})` : '');
}

function fieldsTable(schema: Record<string, unknown>): string[] {
  const props = schema['properties'] as Record<string, Record<string, unknown>> | undefined;
  if (!props) return [];
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  const out = ['| field | type | required | notes |', '|---|---|---|---|'];
  for (const [name, p] of Object.entries(props)) {
    const notes = String(p['description'] ?? '').replace(/\n/g, ' ').replace(/\|/g, '\\|');
    out.push(`| \`${name}\` | ${typeOf(p)} | ${required.has(name) ? 'yes' : ''} | ${notes} |`);
  }
  return out;
}

export function renderApi(doc: { info: { title: string; version: string }; paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Record<string, unknown>> } }): string {
  const lines = [`# ${doc.info.title} ${doc.info.version}: reference`, '',
    '<!-- Generated from /openapi.json by `npm run docs`. Do not edit by hand. -->', '',
    'Every endpoint takes `Authorization: Bearer <token>` unless marked public. Errors: see errors.md.', ''];
  const byTag = new Map<string, Array<[string, string, Operation]>>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), [method.toUpperCase(), path, op]]);
    }
  }
  for (const [tag, ops] of byTag) {
    lines.push(`## ${tag}`, '');
    for (const [method, path, op] of ops) {
      lines.push(`### ${method} \`${path}\`${op.summary ? ` — ${op.summary}` : ''}`, '');
      if (op.description) lines.push(op.description, '');
      const params = op.parameters ?? [];
      if (params.length) {
        lines.push('| parameter | in | type | required | notes |', '|---|---|---|---|---|');
        for (const p of params) lines.push(`| \`${p.name}\` | ${p.in} | ${typeOf(p.schema)} | ${p.required ? 'yes' : ''} | ${(p.description ?? String(p.schema?.['description'] ?? '')).replace(/\|/g, '\\|')} |`);
        lines.push('');
      }
      const body = op.requestBody?.content?.['application/json']?.schema;
      if (body) lines.push('Body:', '', ...fieldsTable(body), '');
      const codes = Object.keys(op.responses ?? {});
      if (codes.length) lines.push(`Responses: ${codes.join(', ')}.`, '');
    }
  }
  const schemas = doc.components?.schemas ?? {};
  if (Object.keys(schemas).length) {
    lines.push('## Schemas', '');
    for (const [name, schema] of Object.entries(schemas)) lines.push(`### ${name}`, '', ...fieldsTable(schema), '');
  }
  return lines.join('\n');
}
