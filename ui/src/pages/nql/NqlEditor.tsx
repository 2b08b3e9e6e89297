import { forwardRef, useRef, type UIEvent } from 'react';

export interface NqlProblem {
  line: number;
  column: number;
  message: string;
}

interface Range {
  start: number;
  end: number;
  message: string;
}

/** The character offset of a 1-based line and column; clamped to the text. */
export function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  return Math.min(offset + Math.max(column - 1, 0), text.length);
}

/**
 * The range to underline for a problem at (line, column): the token that starts there (a quoted name up to its
 * closing quote, a word, or one character), so the mark covers what the message is about.
 */
export function rangeOf(text: string, p: NqlProblem): Range {
  const start = offsetOf(text, p.line, p.column);
  const rest = text.slice(start);
  const m = /^"(?:[^"]|"")*"?|^'(?:[^']|'')*'?|^[A-Za-z0-9_]+|^\S/.exec(rest);
  const length = m ? m[0].length : 0;
  return { start, end: start + Math.max(length, 0), message: p.message };
}

/**
 * A plain <textarea> (so typing, selection, undo, screen readers and mobile keyboards all work as usual) over a
 * mirror that repeats the text invisibly with the problem ranges underlined. Both use the same font, padding and
 * wrapping, and the mirror follows the textarea's scroll.
 */
export const NqlEditor = forwardRef<HTMLTextAreaElement, {
  id: string;
  value: string;
  onChange: (value: string) => void;
  problems: NqlProblem[];
  describedBy: string;
}>(function NqlEditor({ id, value, onChange, problems, describedBy }, ref) {
  const mirror = useRef<HTMLDivElement>(null);
  const ranges = problems.map((p) => rangeOf(value, p)).sort((a, b) => a.start - b.start);
  const parts: Array<string | { text: string; message: string }> = [];
  let at = 0;
  for (const r of ranges) {
    if (r.start < at) continue; // overlapping problems: the first one's mark stays
    parts.push(value.slice(at, r.start));
    // A problem at the very end (a missing token) gets a visible mark on a placeholder space.
    parts.push({ text: r.end > r.start ? value.slice(r.start, r.end) : ' ', message: r.message });
    at = Math.max(r.end, r.start);
  }
  parts.push(value.slice(at));

  const onScroll = (e: UIEvent<HTMLTextAreaElement>) => {
    if (!mirror.current) return;
    mirror.current.scrollTop = e.currentTarget.scrollTop;
    mirror.current.scrollLeft = e.currentTarget.scrollLeft;
  };

  return (
    <div className="nql-editor">
      <div className="nql-mirror" ref={mirror} aria-hidden="true">
        {parts.map((p, i) => (typeof p === 'string' ? <span key={i}>{p}</span> : <mark key={i} className="nql-error" title={p.message}>{p.text}</mark>))}
        {'\n '}
      </div>
      <textarea
        ref={ref} id={id} value={value} onChange={(e) => onChange(e.target.value)} onScroll={onScroll}
        spellCheck={false} autoCapitalize="off" autoComplete="off" autoCorrect="off" rows={16}
        aria-invalid={problems.length > 0 ? true : undefined} aria-describedby={describedBy}
        data-testid="nql-input"
      />
    </div>
  );
});
