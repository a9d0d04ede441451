// One client request through the proxy: refuse what must be refused, serve fresh copies, join or start a flight.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { indexKeyOf, normalizedUrl, originOf, type OriginTarget } from './cache-key';
import { PEER_FETCH_PATH, PEER_HEADER, type ProxyLimits } from './defaults';
import { asProxyError, ProxyError } from './errors';
import type { Fetcher } from './fetcher';
import type { CacheSource, Flight } from './flight';
import type { QuotaTable } from './quotas';
import { RequestTargets, type ResolvedTarget } from './request-target';
import { clientHeaders, sendError, serveStored, streamFlight, type OnBytes } from './respond';
import type { Counters } from './stats';
import type { ObjectStore, StoredObject } from './store';
import type { Clock } from '../../shared/clock';

export interface HandlerDeps {
  zone: string;
  selfId: string;
  allowHttpOrigins: boolean;
  limits: ProxyLimits;
  clock: Clock;
  store: ObjectStore;
  fetcher: Fetcher;
  counters: Counters;
  quotas: { clientRequests: QuotaTable; clientBytes: QuotaTable; originRequests: QuotaTable; originBytes: QuotaTable };
}

const PEER_FETCH_PREFIX = PEER_FETCH_PATH + '?';

export function isPeerFetch(req: IncomingMessage): boolean {
  const u = req.url ?? '';
  return u.startsWith(PEER_FETCH_PREFIX) && req.headers[PEER_HEADER] !== undefined;
}

export class RequestHandler {
  private readonly viaToken: string;
  private readonly ownViaAlone: string;
  private readonly targets: RequestTargets;

  constructor(private readonly d: HandlerDeps) {
    this.viaToken = `reef-${d.selfId}`;
    this.ownViaAlone = `1.1 ${this.viaToken}`;
    this.targets = new RequestTargets(d.zone, d.allowHttpOrigins);
  }

  /** Requests the proxy answers: names under the zone, peer fetches, and absolute-form requests (refused unless for the zone). */
  claims(req: IncomingMessage): boolean {
    const u = req.url ?? '/';
    return !u.startsWith('/') || this.targets.underZone(req.headers.host) || isPeerFetch(req);
  }

  /** Cache hits are answered synchronously, without a promise; everything else goes on in miss(). */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.d.counters.requests++;
    let r!: ResolvedTarget;
    let obj: StoredObject | undefined;
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new ProxyError('method-not-allowed', 'only GET and HEAD');
      this.checkVia(req);
      if (isPeerFetch(req)) {
        this.guardSlowClient(res);
        this.servePeer(req, res).catch((e) => this.fail(res, asProxyError(e)));
        return;
      }
      r = this.targets.resolve(req.headers.host, req.url ?? '/');
      const ip = req.socket.remoteAddress ?? 'unknown';
      const now = this.d.clock.now();
      this.checkQuotas(ip, r.site, now);
      obj = this.d.store.lookup(r.url, req.headers, now);
      if (obj && obj.freshUntil > now) {
        this.d.counters.hits++;
        const sent = serveStored(req, res, this.d.store, obj, 'HIT', now - obj.storedAt + obj.initialAgeMs, this.ownVia(req.headers.via), false, this.charge(ip, r.site));
        this.charged(ip, r.site, sent, now);
        // A hit the kernel took whole needs no slow-reader timer (arming one per request costs a timer each).
        if (!res.writableEnded || (res.socket?.writableLength ?? 0) > 0) this.guardSlowClient(res);
        return;
      }
    } catch (e) {
      this.guardSlowClient(res);
      this.fail(res, asProxyError(e));
      return;
    }
    this.guardSlowClient(res);
    this.miss(req, res, r, obj).catch((e) => this.fail(res, asProxyError(e)));
  }

  /** A client whose socket takes nothing for slowClientMs is cut off, so it cannot pin a response's memory. */
  private guardSlowClient(res: ServerResponse): void {
    res.setTimeout(this.d.limits.slowClientMs, () => res.destroy());
  }

  private fail(res: ServerResponse, err: ProxyError): void {
    const errors = this.d.counters.errors;
    errors[err.code] = (errors[err.code] ?? 0) + 1;
    sendError(res, err, this.ownVia(undefined));
  }

  private ownVia(incoming: string | string[] | undefined): string {
    if (incoming === undefined) return this.ownViaAlone;
    const prior = Array.isArray(incoming) ? incoming.join(', ') : incoming;
    return prior ? `${prior}, ${this.ownViaAlone}` : this.ownViaAlone;
  }

  private checkVia(req: IncomingMessage): void {
    const via = req.headers.via;
    if (via === undefined) return;
    const text = Array.isArray(via) ? via.join(',') : via;
    const hops = text.split(',');
    if (hops.some((h) => h.trim().split(/\s+/)[1] === this.viaToken) || hops.length > this.d.limits.maxViaHops)
      throw new ProxyError('loop-detected', `request already passed through ${hops.length} proxies (Via: ${text.slice(0, 200)})`);
  }

  private checkQuotas(ip: string, site: string, now: number): void {
    const q = this.d.quotas;
    if (!q.clientRequests.take(ip, 1, now) || !q.clientBytes.hasCredit(ip, now)) throw new ProxyError('client-quota', 'too many requests or bytes from this client; slow down');
    if (!q.originRequests.take(site, 1, now) || !q.originBytes.hasCredit(site, now)) throw new ProxyError('origin-quota', `${site} is over its share of this seed`);
  }

  private charged(ip: string, site: string, n: number, now = this.d.clock.now()): void {
    this.d.counters.bytesServed += n;
    this.d.quotas.clientBytes.charge(ip, n, now);
    this.d.quotas.originBytes.charge(site, n, now);
  }

  /** For bodies sent over time (from disk or a flight): charges each piece as it goes out. */
  private charge(ip: string, site: string): OnBytes {
    return (n) => this.charged(ip, site, n);
  }

  private async miss(req: IncomingMessage, res: ServerResponse, r: ResolvedTarget, stale: StoredObject | undefined): Promise<void> {
    const via = this.ownVia(req.headers.via);
    const ip = req.socket.remoteAddress ?? 'unknown';
    const onBytes = this.charge(ip, r.site);
    let obj = stale;
    for (let attempt = 0; ; attempt++) {
      const now = this.d.clock.now();
      if (attempt > 0) obj = this.d.store.lookup(r.url, req.headers, now);
      if (obj && obj.freshUntil > now) {
        this.d.counters.hits++;
        onBytes(serveStored(req, res, this.d.store, obj, 'HIT', now - obj.storedAt + obj.initialAgeMs, via, false, onBytes));
        return;
      }
      const { flight, joined } = this.d.fetcher.join({
        url: r.url,
        path: r.path,
        hasQuery: r.url.length > r.site.length + r.path.length,
        target: r.t,
        origin: r.site,
        flightKey: this.d.store.keyFor(r.url, req.headers),
        indexKey: indexKeyOf(r.url),
        reqHeaders: req.headers,
        via,
        stale: obj,
      });
      // A flight whose body is complete is only storing it: once stored, look again (the Vary now known
      // may even select another variant than the one fetched).
      if (joined && flight.state === 'ended' && attempt === 0) {
        await flight.done;
        continue;
      }
      if (joined) this.d.counters.coalescedWaiters++;
      return this.serveFlight(req, res, flight, via, onBytes, false);
    }
  }

  private async serveFlight(req: IncomingMessage, res: ServerResponse, flight: Flight, via: string, onBytes: (n: number) => void, toPeer: boolean): Promise<void> {
    const head = await flight.head;
    if (head.kind === 'stored') {
      if (!toPeer) this.d.counters.hits++;
      const ageMs = this.d.clock.now() - head.obj.storedAt + head.obj.initialAgeMs;
      onBytes(serveStored(req, res, this.d.store, head.obj, 'HIT', ageMs, via, head.stale, onBytes));
      return;
    }
    if (!toPeer) this.count(head.source);
    res.writeHead(head.status, clientHeaders(head.headers, head.source, head.initialAgeMs, via));
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    streamFlight(res, flight, onBytes);
  }

  private count(source: CacheSource): void {
    if (source === 'PEER') this.d.counters.peerHits++;
    else if (source === 'MISS') this.d.counters.misses++;
    else this.d.counters.hits++;
  }

  /** Another seed asks for a URL: answer from the cache or a running flight, never by going to the origin. */
  private async servePeer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const asked = new URL(req.url ?? '/', 'http://peer.invalid').searchParams.get('url') ?? '';
    let u: URL;
    try {
      u = new URL(asked);
    } catch {
      throw new ProxyError('bad-path', 'peer fetch needs ?url=<absolute URL>');
    }
    const scheme = u.protocol === 'https:' ? 'https' : u.protocol === 'http:' ? 'http' : null;
    const t: OriginTarget | null = scheme && { scheme, host: u.hostname, port: u.port ? Number(u.port) : scheme === 'https' ? 443 : 80 };
    const norm = t && normalizedUrl(t, u.pathname + u.search);
    if (!norm || norm.url !== asked) throw new ProxyError('bad-path', 'peer fetch URL is not in normalized form');
    const ip = req.socket.remoteAddress ?? 'unknown';
    if (!this.d.quotas.clientRequests.take(ip)) throw new ProxyError('client-quota', 'too many peer fetches');
    const via = this.ownVia(req.headers.via);
    const onBytes = this.charge(ip, originOf(t));
    this.d.counters.servedToPeers++;
    const now = this.d.clock.now();
    const obj = this.d.store.lookup(asked, req.headers, now);
    if (obj && obj.freshUntil > now) {
      onBytes(serveStored(req, res, this.d.store, obj, 'HIT', now - obj.storedAt + obj.initialAgeMs, via, false, onBytes));
      return;
    }
    const flight = this.d.fetcher.peek(this.d.store.keyFor(asked, req.headers));
    // A flight still asking other seeds is not joined: two seeds asking each other would wait for nothing.
    if (!flight || (!flight.hasHead && !flight.atOrigin)) {
      this.d.counters.servedToPeers--;
      throw new ProxyError('not-cached', 'this seed neither holds nor is fetching that URL');
    }
    const head = await flight.head;
    if (head.kind === 'stored' && head.stale) throw new ProxyError('not-cached', 'only a stale copy here');
    await this.serveFlight(req, res, flight, via, onBytes, true);
  }
}
