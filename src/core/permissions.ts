/**
 * Permissions are `{resource, access}` pairs; `write` includes `read`. Permissions are additive (no deny rules),
 * as in the Narrative API-key model.
 */
/**
 * `metrics`: read `/metrics` (Prometheus scrape). `webhooks`: manage webhook subscriptions and their deliveries.
 */
export const RESOURCES = ['jobs', 'datasets', 'data-planes', 'access-tokens', 'nql', 'webhooks', 'metrics'] as const;
export type Resource = (typeof RESOURCES)[number];
export const ACCESS_LEVELS = ['read', 'write'] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

export interface Permission {
  resource: Resource;
  access: Access;
}

export const ALL_PERMISSIONS: readonly Permission[] = RESOURCES.map((resource) => ({ resource, access: 'write' }));

/**
 * What a data-plane operator needs, and nothing more (`jobplane token create --operator --data-plane <uuid>`, and the
 * in-process operator of `jobplane serve`): jobs:write to claim and report jobs, data-planes:write to register its
 * executor and heartbeat, datasets:read to read the datasets its jobs bind. Bound to one plane, such a token sees
 * only that plane's jobs and datasets.
 */
export const OPERATOR_PERMISSIONS: readonly Permission[] = [
  { resource: 'jobs', access: 'write' },
  { resource: 'datasets', access: 'read' },
  { resource: 'data-planes', access: 'write' },
];

export function allows(granted: readonly Permission[], resource: Resource, access: Access): boolean {
  return granted.some((p) => p.resource === resource && (p.access === 'write' || access === 'read'));
}

/** Parses `jobs:read,jobs:write,datasets:read` (the CLI form). Throws with the offending item. */
export function parsePermissionList(text: string): Permission[] {
  const out: Permission[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (raw === '*' || raw === 'all') {
      out.push(...ALL_PERMISSIONS);
      continue;
    }
    const [resource, access] = raw.split(':');
    if (!RESOURCES.includes(resource as Resource) || !ACCESS_LEVELS.includes(access as Access)) {
      throw new Error(
        `invalid permission "${raw}": expected <resource>:<access> with resource one of ${RESOURCES.join(', ')} ` +
          `and access read or write`,
      );
    }
    out.push({ resource: resource as Resource, access: access as Access });
  }
  return normalizePermissions(out);
}

/** Drops duplicates and `read` entries that a `write` on the same resource already covers. */
export function normalizePermissions(perms: readonly Permission[]): Permission[] {
  const byResource = new Map<Resource, Access>();
  for (const p of perms) {
    if (byResource.get(p.resource) !== 'write') byResource.set(p.resource, p.access);
  }
  return RESOURCES.filter((r) => byResource.has(r)).map((r) => ({ resource: r, access: byResource.get(r)! }));
}
