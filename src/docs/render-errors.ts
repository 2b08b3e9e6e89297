import { PROBLEM_CATALOGUE, problemType } from '../api/problems.js';
import type { ErrorCode } from '../core/errors.js';

/** docs/errors.md, generated from the problem catalogue (a test keeps the file current). */
export function renderErrors(): string {
  const lines = [
    '# Errors',
    '',
    '<!-- Generated from src/api/problems.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'Every error is an RFC 7807 problem, `Content-Type: application/problem+json`:',
    '`{type, title, status, detail, instance, code}`, plus `errors: [{in, pointer, message}]` for bad input',
    '(a JSON Pointer into the body, query or path) and `errors: [{line, column, message}]` for NQL.',
    'Bad input never changes anything. 401 responses carry `WWW-Authenticate: Bearer`.',
    '',
    '| code | status | title | type |',
    '|---|---|---|---|',
  ];
  for (const [code, entry] of Object.entries(PROBLEM_CATALOGUE)) {
    lines.push(`| \`${code}\` | ${entry.status} | ${entry.title} | \`${problemType(code as ErrorCode)}\` |`);
  }
  lines.push('');
  return lines.join('\n');
}
