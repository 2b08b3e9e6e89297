import { useId } from 'react';

/** A labelled, scrollable block of code (NQL, SQL, JSON), focusable so keyboard users can scroll it. */
export function CodeBlock({ label, code, language }: { label: string; code: string; language?: string }) {
  const id = useId();
  return (
    <figure className="code-figure">
      <figcaption id={id}>{label}</figcaption>
      <pre className="code" tabIndex={0} aria-labelledby={id} data-language={language}><code>{code}</code></pre>
    </figure>
  );
}

export function JsonBlock({ label, value }: { label: string; value: unknown }) {
  return <CodeBlock label={label} code={JSON.stringify(value, null, 2)} language="json" />;
}
