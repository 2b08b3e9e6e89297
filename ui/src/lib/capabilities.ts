/**
 * Which operations this server has, from its OpenAPI document (public, fetched once per tab): features that other
 * engineers are still building (the row preview, the event feed) are shown once the server lists them, and a clear
 * message is shown until then.
 */
let paths: Promise<Set<string>> | null = null;

function loadPaths(): Promise<Set<string>> {
  paths ??= fetch('/openapi.json', { credentials: 'omit' })
    .then((r) => (r.ok ? (r.json() as Promise<{ paths?: Record<string, unknown> }>) : { paths: {} }))
    .then((doc) => new Set(Object.keys(doc.paths ?? {})))
    .catch(() => {
      paths = null; // try again next time
      return new Set<string>();
    });
  return paths;
}

export async function serverHas(path: string): Promise<boolean> {
  return (await loadPaths()).has(path);
}
