// Host names under the zone: `<origin-host>[.<port>].<zone>` (docs/dns.md); parsed by seed-node/dns/name.ts.
import { parseReefName } from '../dns/name';

export interface OriginName {
  host: string;
  /** null when the name carries no port label (the scheme's default port). */
  port: number | null;
}

/** Lower-cased host of a Host header without its port and trailing dot, or null for an IPv6 literal/garbage. */
export function hostOfHeader(header: string | undefined): string | null {
  if (!header || header.length > 300 || header.startsWith('[')) return null;
  const colon = header.indexOf(':');
  const name = (colon === -1 ? header : header.slice(0, colon)).toLowerCase();
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

export function isUnderZone(host: string, zone: string): boolean {
  return host.length > zone.length + 1 && host.endsWith('.' + zone.toLowerCase());
}

/** The origin a Host name under the zone stands for: the DNS server's parser, so both follow one rule
 * (cluster names such as `example.com.l1-x.l0.<zone>` included). */
export function parseOriginName(host: string, zone: string): OriginName | null {
  const name = parseReefName(host, zone);
  return name ? { host: name.originHost, port: name.port ?? null } : null;
}
