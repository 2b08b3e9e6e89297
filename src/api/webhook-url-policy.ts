import { lookup } from 'node:dns/promises';
import net from 'node:net';

/**
 * Where webhooks may be sent. A webhook makes our server send requests to a URL a tenant chose, so by default it
 * reaches only the public internet over https:
 * - http only to hosts an operator lists (`JOBPLANE_WEBHOOK_ALLOW_HTTP_HOSTS`);
 * - no address in a private, loopback, link-local (cloud metadata at 169.254.169.254), shared (CGNAT), multicast
 *   or reserved range, unless `JOBPLANE_WEBHOOK_ALLOW_PRIVATE=true` (a self-hosted network, tests). Checked when
 *   the subscription is created and again before every attempt, on the addresses the name resolves to then, and
 *   the request connects to the address that was checked (a name that re-resolves to 10.0.0.1 after the check,
 *   DNS rebinding, changes nothing).
 */
export interface WebhookUrlPolicy {
  /** Host names (or IP literals) that may be sent to over plain http; `*` = any. */
  allowHttpHosts: readonly string[];
  /** Allow private, loopback and link-local addresses. */
  allowPrivate: boolean;
}

export const DEFAULT_WEBHOOK_URL_POLICY: WebhookUrlPolicy = { allowHttpHosts: [], allowPrivate: false };

export class WebhookUrlRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookUrlRefused';
  }
}

/** Not the public internet (IPv4-mapped IPv6 addresses are checked as their IPv4 address). */
const NON_PUBLIC = new net.BlockList();
for (const [net4, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NON_PUBLIC.addSubnet(net4, bits, 'ipv4');
for (const [net6, bits] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) NON_PUBLIC.addSubnet(net6, bits, 'ipv6');

export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return false;
  return !NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The URL's form: scheme, no credentials, a host. Throws WebhookUrlRefused saying what to change. */
export function parseWebhookUrl(text: string, policy: WebhookUrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookUrlRefused('is not an absolute URL (e.g. https://example.com/hooks/jobplane)');
  }
  if (url.username || url.password) throw new WebhookUrlRefused('must not carry credentials; authenticate deliveries by their signature');
  if (url.protocol === 'https:') return url;
  if (url.protocol !== 'http:') throw new WebhookUrlRefused(`must be https (got ${url.protocol.replace(/:$/, '')})`);
  const host = hostOf(url).toLowerCase();
  if (policy.allowHttpHosts.includes('*') || policy.allowHttpHosts.some((h) => h.toLowerCase() === host)) return url;
  throw new WebhookUrlRefused(`must be https; plain http is allowed only to hosts the operator lists in JOBPLANE_WEBHOOK_ALLOW_HTTP_HOSTS (${host} is not one)`);
}

/** The host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves the URL's host and checks every address it resolves to; returns the one to connect to. Throws
 * WebhookUrlRefused when the name does not resolve or any address is not allowed (one bad record is enough: the
 * resolver could hand out either).
 */
export async function resolveWebhookAddress(url: URL, policy: WebhookUrlPolicy): Promise<ResolvedAddress> {
  const host = hostOf(url);
  let addresses: ResolvedAddress[];
  if (net.isIP(host)) {
    addresses = [{ address: host, family: net.isIP(host) as 4 | 6 }];
  } else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
    } catch (err) {
      throw new WebhookUrlRefused(`host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (addresses.length === 0) throw new WebhookUrlRefused(`host ${host} does not resolve`);
  if (!policy.allowPrivate) {
    const bad = addresses.find((a) => !isPublicAddress(a.address));
    if (bad) {
      throw new WebhookUrlRefused(
        `resolves to ${bad.address}, a private, loopback or link-local address; webhooks go to public addresses ` +
        'unless the operator sets JOBPLANE_WEBHOOK_ALLOW_PRIVATE=true',
      );
    }
  }
  return addresses[0]!;
}
