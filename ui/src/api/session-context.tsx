import { createContext, useContext } from 'react';
import type { WhoAmI } from './types';

export type Resource = 'jobs' | 'datasets' | 'data-planes' | 'access-tokens' | 'nql' | 'webhooks' | 'metrics';

export interface Session {
  who: WhoAmI;
  /** What the token may do (`write` includes `read`), from GET /whoami: the dashboard shows nothing else. */
  can(resource: Resource, access: 'read' | 'write'): boolean;
  signOut(): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in session');
  return s;
}

export function sessionOf(who: WhoAmI, signOut: () => void): Session {
  const perms = who.token.permissions;
  return {
    who, signOut,
    can: (resource, access) => perms.some((p) => p.resource === resource && (p.access === 'write' || access === 'read')),
  };
}
