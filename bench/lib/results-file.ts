import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Where a results file's generated report ends and its hand-written notes begin. */
const NOTES_MARKER = '<!-- notes -->';

/**
 * Writes a benchmark's report to `file`, keeping what is written by hand below the notes marker of the file's
 * previous version (a new run replaces the figures, not the reading of them).
 */
export function writeReportKeepingNotes(file: string, report: string): void {
  const notes = existsSync(file) ? readFileSync(file, 'utf8').split(NOTES_MARKER)[1] : undefined;
  writeFileSync(file, `${report}\n${NOTES_MARKER}${notes ?? '\n'}`);
}
