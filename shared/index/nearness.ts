// Nearness to an IP address for nodes(level, count, ip): measured RTT first (a contact we
// measured is known to be near us, not necessarily to the client), then the longest shared
// address prefix (same /24, same /16 ...), a cheap proxy for topological nearness.
import type { Contact } from './types';

function hostOf(address: string): string {
  if (address.startsWith('[')) return address.slice(1, address.indexOf(']'));
  const i = address.lastIndexOf(':');
  return i > 0 ? address.slice(0, i) : address;
}

function sharedPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

export function nearestByAddress(contacts: Contact[], target: string | undefined, count: number): Contact[] {
  const host = target === undefined ? undefined : hostOf(target);
  const scored = contacts.map((c) => ({ c, shared: host === undefined ? 0 : sharedPrefix(hostOf(c.address), host), rtt: c.rttMs ?? Infinity }));
  scored.sort((a, b) => b.shared - a.shared || a.rtt - b.rtt);
  return scored.slice(0, count).map((s) => s.c);
}
