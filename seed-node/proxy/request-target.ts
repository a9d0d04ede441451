// Which origin URL a client request names (Host under the zone, or an absolute-form target). A flash crowd
// repeats the same few Host headers and paths, and resolving them is a pure function of the strings, so what
// was resolved is remembered: per raw Host header its origin, under it per request target the normalized URL.
import { normalizedUrl, originOf, type OriginTarget } from './cache-key';
import { ProxyError } from './errors';
import { hostOfHeader, isUnderZone, parseOriginName } from './host-name';

export interface ResolvedTarget {
  t: OriginTarget;
  /** `scheme://host[:port]`: the unit of the per-origin quotas. */
  site: string;
  /** Normalized absolute URL (the cache key without Vary) and its normalized path. */
  url: string;
  path: string;
}

interface KnownHost {
  t: OriginTarget;
  site: string;
  targets: Map<string, ResolvedTarget>;
}

/** Longer targets are resolved every time rather than remembered, so the memo's memory stays small. */
const MEMO_MAX_TARGET = 512;

export class RequestTargets {
  private readonly hosts = new Map<string, KnownHost>();
  private remembered = 0;

  constructor(
    private readonly zone: string,
    private readonly allowHttpOrigins: boolean,
    /** Hosts plus targets remembered; past it, everything is forgotten and relearnt (rare: a crowd repeats). */
    private readonly memoSize = 4096,
  ) {}

  /** True when the Host header names something under the zone (valid or not: the proxy answers either way). */
  underZone(hostHeader: string | undefined): boolean {
    if (hostHeader !== undefined && this.hosts.has(hostHeader)) return true;
    const host = hostOfHeader(hostHeader);
    return host !== null && isUnderZone(host, this.zone);
  }

  /** The origin URL, or a ProxyError (bad host, not under the zone, unnormalizable path). */
  resolve(hostHeader: string | undefined, requestTarget: string): ResolvedTarget {
    if (!requestTarget.startsWith('/')) return this.absolute(requestTarget);
    const known = hostHeader === undefined ? undefined : this.hosts.get(hostHeader);
    const hit = known?.targets.get(requestTarget);
    if (hit) return hit;
    const origin = known ?? this.origin(hostOfHeader(hostHeader));
    const r = this.target(origin, requestTarget);
    if (hostHeader !== undefined && requestTarget.length <= MEMO_MAX_TARGET) this.remember(hostHeader, origin, r, requestTarget);
    return r;
  }

  /** A proxy-style request (`GET http://name.under.zone/path`): refused unless the name is under the zone. */
  private absolute(requestTarget: string): ResolvedTarget {
    let abs: URL;
    try {
      abs = new URL(requestTarget);
    } catch {
      throw new ProxyError('open-proxy-refused', 'not a proxy: only names under the zone are served');
    }
    const host = abs.hostname.toLowerCase();
    if (!isUnderZone(host, this.zone)) throw new ProxyError('open-proxy-refused', `not an open proxy: ${host} is not under ${this.zone}`);
    return this.target(this.origin(host), abs.pathname + abs.search);
  }

  private origin(host: string | null): { t: OriginTarget; site: string } {
    const name = host === null ? null : parseOriginName(host, this.zone);
    if (!name) throw new ProxyError('bad-host', `"${host}" is not <origin-host>[.<port>].${this.zone}`);
    // With --allow-http-origins every port but 443 is plain HTTP (local testing); otherwise always HTTPS.
    const scheme = this.allowHttpOrigins && name.port !== 443 ? 'http' : 'https';
    const t: OriginTarget = { scheme, host: name.host, port: name.port ?? (scheme === 'https' ? 443 : 80) };
    return { t, site: originOf(t) };
  }

  private target(origin: { t: OriginTarget; site: string }, requestTarget: string): ResolvedTarget {
    const norm = normalizedUrl(origin.t, requestTarget);
    if (!norm) throw new ProxyError('bad-path', 'request path cannot be normalized');
    return { t: origin.t, site: origin.site, url: norm.url, path: norm.path };
  }

  private remember(hostHeader: string, origin: { t: OriginTarget; site: string }, r: ResolvedTarget, requestTarget: string): void {
    if (this.remembered >= this.memoSize) {
      this.hosts.clear();
      this.remembered = 0;
    }
    let known = this.hosts.get(hostHeader);
    if (!known) {
      known = { t: origin.t, site: origin.site, targets: new Map() };
      this.hosts.set(hostHeader, known);
      this.remembered++;
    }
    known.targets.set(requestTarget, r);
    this.remembered++;
  }
}
