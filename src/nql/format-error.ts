import type { NqlError, NqlErrorDetail } from './errors.js';

export interface FormatErrorOptions {
  /** Name shown before the position, e.g. a file name. Default `nql`. */
  source?: string;
}

/**
 * Renders an NQL error against its source, compiler style:
 *
 *     nql:3:9: error: expected an expression, found ')'
 *       3 |   WHERE )
 *         |         ^
 *
 * The caret covers the offending token when it sits on one line. Tabs in the source line are kept in the
 * gutter line so the caret stays aligned in a terminal.
 */
export function formatError(error: NqlError, text: string, options: FormatErrorOptions = {}): string {
  return error.errors.map((detail) => formatDetail(detail, text, options.source ?? 'nql')).join('\n');
}

export function formatDetail(detail: NqlErrorDetail, text: string, source = 'nql'): string {
  const lines = text.split(/\r\n|\r|\n/);
  const lineText = lines[detail.line - 1] ?? '';
  const number = String(detail.line);
  const gutter = ' '.repeat(number.length);
  const col = Math.max(1, Math.min(detail.column, lineText.length + 1));
  // Keep tabs so the caret lines up under tab-indented text.
  const pad = lineText.slice(0, col - 1).replace(/[^\t]/g, ' ');
  const sameLine = detail.span.end.line === detail.line;
  const width = sameLine ? Math.max(1, Math.min(detail.span.end.column, lineText.length + 1) - col) : 1;
  return [
    `${source}:${detail.line}:${detail.column}: error: ${detail.message}`,
    `${gutter} |`,
    `${number} | ${lineText}`,
    `${gutter} | ${pad}${'^'.repeat(width)}`,
  ].join('\n');
}
