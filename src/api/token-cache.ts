import type { Db } from '../store/db/types.js';
import { tokenFindByValue, type TokenIdentity } from '../store/tokens.js';

const CHANNEL = 'jobplane_tokens_changed';

/**
 * Token lookups cached for a few seconds: every authenticated request otherwise costs one SELECT before its real
 * work (bench/results/api.md measured +16-27% database throughput without it). Correctness is kept by
 * invalidation, not by the TTL: a revocation clears the entry on this server at once and on every other server
 * through NOTIFY; expiry is checked against the cached `expires_at` on every use. The TTL only bounds how long a
 * lost notification could keep a revoked token alive.
 */
export class TokenCache {
  private readonly entries = new Map<string, { identity: TokenIdentity; until: number }>();
  private unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly db: Db, private readonly ttlMs = 5_000, private readonly maxEntries = 10_000) {}

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(CHANNEL, (tokenId) => this.forgetId(tokenId));
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.entries.clear();
  }

  async find(token: string): Promise<TokenIdentity | undefined> {
    const now = Date.now();
    const hit = this.entries.get(token);
    if (hit && hit.until > now) return withExpiry(hit.identity, now);
    const found = await tokenFindByValue(this.db, token);
    if (found?.usable) {
      if (this.entries.size >= this.maxEntries) this.entries.clear(); // crude, but bounded and rare
      this.entries.set(token, { identity: found, until: now + this.ttlMs });
    } else {
      this.entries.delete(token);
    }
    return found;
  }

  /** Called after a revocation commits: forget here, and tell the other servers. */
  async revoked(tokenId: string): Promise<void> {
    this.forgetId(tokenId);
    await this.db.notify(CHANNEL, tokenId);
  }

  private forgetId(tokenId: string): void {
    for (const [key, entry] of this.entries) if (entry.identity.id === tokenId) this.entries.delete(key);
  }
}

function withExpiry(identity: TokenIdentity, now: number): TokenIdentity {
  if (identity.expires_at !== null && Date.parse(identity.expires_at) <= now) return { ...identity, usable: false };
  return identity;
}
