// Which origin URL a client request names (Host under the zone, or an absolute-form target), remembered per
// (Host, target) pair: a flash crowd repeats the same few pairs, and parsing them is a pure function of the pair.
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

/** Longer targets are resolved every time rather than remembered, so the memo's memory stays small. */
const MEMO_MAX_KEY = 512;

export class RequestTargets {
  private readonly memo = new Map<string, ResolvedTarget>();

  constructor(
    private readonly zone: string,
    private readonly allowHttpOrigins: boolean,
    private readonly memoSize = 4096,
  ) {}

  /** The origin URL, or a ProxyError (bad host, not under the zone, unnormalizable path). */
  resolve(hostHeader: string | undefined, requestTarget: string): ResolvedTarget {
    const key = `${hostHeader ?? ''} ${requestTarget}`;
    const known = this.memo.get(key);
    if (known) return known;
    const r = this.parse(hostHeader, requestTarget);
    if (key.length <= MEMO_MAX_KEY) {
      if (this.memo.size >= this.memoSize) this.memo.delete(this.memo.keys().next().value!);
      this.memo.set(key, r);
    }
    return r;
  }

  private parse(hostHeader: string | undefined, requestTarget: string): ResolvedTarget {
    let host = hostOfHeader(hostHeader);
    let target = requestTarget;
    if (!target.startsWith('/')) {
      let abs: URL;
      try {
        abs = new URL(target);
      } catch {
        throw new ProxyError('open-proxy-refused', 'not a proxy: only names under the zone are served');
      }
      host = abs.hostname.toLowerCase();
      target = abs.pathname + abs.search;
      if (!isUnderZone(host, this.zone)) throw new ProxyError('open-proxy-refused', `not an open proxy: ${host} is not under ${this.zone}`);
    }
    const name = host === null ? null : parseOriginName(host, this.zone);
    if (!name) throw new ProxyError('bad-host', `"${host}" is not <origin-host>[.<port>].${this.zone}`);
    // With --allow-http-origins every port but 443 is plain HTTP (local testing); otherwise always HTTPS.
    const scheme = this.allowHttpOrigins && name.port !== 443 ? 'http' : 'https';
    const t: OriginTarget = { scheme, host: name.host, port: name.port ?? (scheme === 'https' ? 443 : 80) };
    const norm = normalizedUrl(t, target);
    if (!norm) throw new ProxyError('bad-path', 'request path cannot be normalized');
    return { t, site: originOf(t), url: norm.url, path: norm.path };
  }
}
