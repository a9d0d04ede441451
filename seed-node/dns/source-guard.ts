// Per-source protection for UDP: a response-rate limit (token bucket per address, /64 for IPv6), and
// the set of sources proven real by a TCP handshake, which may get full-size UDP replies.
import type { Clock } from '../../shared/clock';
import type { DnsLimits } from './defaults';

export type RateDecision = 'send' | 'slip' | 'drop';

interface Bucket {
  tokens: number;
  lastMs: number;
  limited: number;
}

/** The rate-limited unit: an IPv4 address as is (no allocation), an IPv6 address's /64. */
export function sourceKey(ip: string): string {
  if (!ip.includes(':')) return ip;
  if (ip.startsWith('::ffff:') && ip.includes('.')) return ip.slice(7);
  const gap = ip.indexOf('::');
  if (gap < 0) return ip.slice(0, nthIndexOf(ip, ':', 4));
  // Compressed ("2001:db8::1"): expand the zero run, or every host in 2001:db8::/64 is its own key.
  const head = gap === 0 ? [] : ip.slice(0, gap).split(':');
  const tail = gap + 2 === ip.length ? [] : ip.slice(gap + 2).split(':');
  const tailGroups = tail.length + (tail.length > 0 && tail[tail.length - 1].includes('.') ? 1 : 0);
  const groups = [...head, ...Array<string>(Math.max(0, 8 - head.length - tailGroups)).fill('0'), ...tail];
  return groups.slice(0, 4).join(':');
}

function nthIndexOf(s: string, c: string, n: number): number {
  let at = -1;
  for (let i = 0; i < n; i++) at = s.indexOf(c, at + 1);
  return at;
}

export class SourceGuard {
  private readonly buckets = new Map<string, Bucket>();
  private readonly verified = new Map<string, number>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly limits: Pick<DnsLimits, 'rrlResponsesPerSec' | 'rrlBurst' | 'rrlSlip' | 'maxTrackedSources' | 'verifiedSourceTtlMs'>,
  ) {}

  /** Whether a UDP response to `ip` may go out now; every rrlSlip-th limited one goes as TC=1. */
  rate(ip: string): RateDecision {
    const key = sourceKey(ip);
    const now = this.clock.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.limits.rrlBurst, lastMs: now, limited: 0 };
      bounded(this.buckets, this.limits.maxTrackedSources).set(key, b);
    }
    b.tokens = Math.min(this.limits.rrlBurst, b.tokens + ((now - b.lastMs) * this.limits.rrlResponsesPerSec) / 1000);
    b.lastMs = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 'send';
    }
    b.limited++;
    return this.limits.rrlSlip > 0 && b.limited % this.limits.rrlSlip === 0 ? 'slip' : 'drop';
  }

  markVerified(ip: string): void {
    const key = sourceKey(ip);
    this.verified.delete(key);
    bounded(this.verified, this.limits.maxTrackedSources).set(key, this.clock.now() + this.limits.verifiedSourceTtlMs);
  }

  isVerified(ip: string): boolean {
    const until = this.verified.get(sourceKey(ip));
    return until !== undefined && until > this.clock.now();
  }
}

/** Evicts the oldest entry when a table is full, so a flood of spoofed sources cannot grow memory. */
function bounded<V>(m: Map<string, V>, max: number): Map<string, V> {
  if (m.size >= max) {
    const oldest = m.keys().next();
    if (!oldest.done) m.delete(oldest.value);
  }
  return m;
}
