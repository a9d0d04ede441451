// Host names under the zone: `<origin-host>[.<port>].<zone>`; a final numeric label before the zone is the port.
// The DNS server parses the same scheme (seed-node/dns/names.ts); the two should become one function.

export interface OriginName {
  host: string;
  /** null when the name carries no port label (the scheme's default port). */
  port: number | null;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DIGITS = /^[0-9]{1,5}$/;

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

export function parseOriginName(host: string, zone: string): OriginName | null {
  if (!isUnderZone(host, zone)) return null;
  const labels = host.slice(0, -(zone.length + 1)).split('.');
  let port: number | null = null;
  const last = labels[labels.length - 1];
  if (labels.length > 1 && DIGITS.test(last)) {
    port = Number(last);
    if (port < 1 || port > 65535) return null;
    labels.pop();
  }
  if (!labels.every((l) => LABEL.test(l))) return null;
  const originHost = labels.join('.');
  if (originHost.length > 253) return null;
  // An origin that is itself a name under the zone would make the proxy fetch from itself.
  if (isUnderZone(originHost, zone) || originHost === zone.toLowerCase()) return null;
  return { host: originHost, port };
}
