// Filling the cache on a miss, Coral-style: the first request for an object starts one flight; everyone else
// asking meanwhile joins it. A flight tries seeds the index names first, then the origin (announcing a short
// "fetching" pointer so other seeds cut through to us), verifies against the origin's manifest, stores and
// announces "held". With a stale copy it revalidates instead, and serves the stale copy if the origin fails.
import type { IncomingHttpHeaders } from 'node:http';
import { verifyObject, type ManifestObject } from '../../shared/manifest';
import type { Clock } from '../../shared/clock';
import { ageHeaderMs, freshnessMs, hasValidators, isStorable, mergeNotModified, revalidationHeaders, storableHeaders, variantSuffix, varyNames } from './cache-policy';
import type { OriginTarget } from './cache-key';
import type { Cooperation } from './cooperation';
import { PEER_FETCH_PATH, PEER_HEADER, type ProxyLimits } from './defaults';
import { asProxyError, ProxyError } from './errors';
import { Flight, type CacheSource } from './flight';
import type { ProxyLogger } from './log';
import type { FetchFromOrigin, ManifestCache } from './manifests';
import { resolveOrigin, type ResolveHost } from './resolve-origin';
import type { Counters } from './stats';
import type { ObjectStore, StoredObject } from './store';
import { contentLength, readBody, requestUpstream, type Agents, type UpstreamResponse } from './upstream';

export interface FetchJob {
  url: string;
  /** Normalized path, the manifest key (only for URLs without a query). */
  path: string;
  hasQuery: boolean;
  target: OriginTarget;
  origin: string;
  flightKey: string;
  indexKey: Uint8Array;
  /** The first requester's headers: Vary selection and the few headers forwarded upstream. */
  reqHeaders: IncomingHttpHeaders;
  via: string;
  stale: StoredObject | undefined;
}

export interface FetcherDeps {
  limits: ProxyLimits;
  clock: Clock;
  log: ProxyLogger;
  store: ObjectStore;
  coop: Cooperation;
  manifests: ManifestCache;
  agents: Agents;
  counters: Counters;
  resolveHost: ResolveHost;
  allowPrivateOrigins: boolean;
  selfId: string;
}

const FORWARDED = ['accept', 'accept-language', 'user-agent'];

export class Fetcher {
  private readonly flights = new Map<string, Flight>();

  constructor(private readonly d: FetcherDeps) {}

  get inFlight(): number {
    return this.flights.size;
  }

  peek(flightKey: string): Flight | undefined {
    return this.flights.get(flightKey);
  }

  /** The flight for this object: the running one, or a new one. */
  join(job: FetchJob): { flight: Flight; joined: boolean } {
    const running = this.flights.get(job.flightKey);
    if (running) return { flight: running, joined: true };
    const flight = new Flight();
    this.flights.set(job.flightKey, flight);
    flight.done = this.run(job, flight).finally(() => this.flights.delete(job.flightKey));
    return { flight, joined: false };
  }

  /** Waits for every running fetch (shutdown, tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.flights.values()].map((f) => f.done));
  }

  private async run(job: FetchJob, flight: Flight): Promise<void> {
    try {
      const address = await resolveOrigin(job.target.host, this.d.resolveHost, this.d.allowPrivateOrigins);
      const manifest = await this.d.manifests.get(job.origin, this.originGetter(job, address));
      const entry = manifest && !job.hasQuery ? manifest.objects[job.path] : undefined;
      if (job.stale && hasValidators(job.stale.headers)) return await this.fromOrigin(job, flight, address, entry, job.stale);
      if (await this.fromPeers(job, flight, entry)) return;
      await this.fromOrigin(job, flight, address, entry, undefined);
    } catch (e) {
      const err = asProxyError(e);
      if (job.stale && !flight.hasHead) {
        this.d.counters.staleServed++;
        this.d.log.info({ url: job.url, code: err.code }, 'origin failing; serving stale copy');
        flight.setHead({ kind: 'stored', obj: job.stale, stale: true });
        flight.end();
      } else {
        if (err.code === 'internal') this.d.log.error({ url: job.url, err: err.message }, 'proxy fetch failed');
        // Before the head, each waiter reports the error itself; after it, only the cut connection shows it.
        if (flight.hasHead) this.d.counters.errors[err.code] = (this.d.counters.errors[err.code] ?? 0) + 1;
        flight.fail(err);
      }
    }
  }

  private upstreamHeaders(job: FetchJob): Record<string, string> {
    const h: Record<string, string> = { 'accept-encoding': 'identity', via: job.via };
    for (const name of FORWARDED) {
      const v = job.reqHeaders[name];
      if (typeof v === 'string' && v.length <= 1024) h[name] = v;
    }
    return h;
  }

  private originGetter(job: FetchJob, address: string): FetchFromOrigin {
    return async (path, maxBytes) => {
      try {
        const r = await this.request(job, address, path, this.upstreamHeaders(job));
        return { status: r.status, body: await readBody(r.body, { maxBytes, idleTimeoutMs: this.d.limits.originIdleTimeoutMs, clock: this.d.clock }) };
      } catch {
        return null;
      }
    };
  }

  private request(job: FetchJob, address: string, path: string, headers: Record<string, string>): Promise<UpstreamResponse> {
    const t = job.target;
    return requestUpstream({ scheme: t.scheme, host: t.host, port: t.port, address, path, headers, headersTimeoutMs: this.d.limits.originHeadersTimeoutMs }, this.d.agents, this.d.clock);
  }

  private async fromPeers(job: FetchJob, flight: Flight, entry: ManifestObject | undefined): Promise<boolean> {
    const candidates = (await this.d.coop.candidates(job.indexKey)).slice(0, this.d.limits.maxPeerTries);
    for (const peer of candidates) {
      this.d.counters.peerFetchesTried++;
      const sep = peer.addr.lastIndexOf(':');
      const host = peer.addr.slice(0, sep).replace(/^\[(.*)\]$/, '$1');
      const port = Number(peer.addr.slice(sep + 1));
      try {
        const headers = { ...this.upstreamHeaders(job), [PEER_HEADER]: this.d.selfId };
        const path = `${PEER_FETCH_PATH}?url=${encodeURIComponent(job.url)}`;
        const r = await requestUpstream({ scheme: 'http', host, port, address: host, path, headers, headersTimeoutMs: this.d.limits.peerHeadersTimeoutMs }, this.d.agents, this.d.clock);
        if (r.status !== 200) {
          r.body.resume();
          continue;
        }
        await this.fill(job, flight, r, 'PEER', entry);
        this.d.counters.peerFetchesOk++;
        return true;
      } catch (e) {
        if (flight.hasHead) throw e; // bytes already went out: too late to try elsewhere
        this.d.log.debug({ peer: peer.id, url: job.url, err: (e as Error).message }, 'peer fetch failed; trying next');
      }
    }
    return false;
  }

  private async fromOrigin(job: FetchJob, flight: Flight, address: string, entry: ManifestObject | undefined, stale: StoredObject | undefined): Promise<void> {
    flight.atOrigin = true;
    this.d.coop.announce(job.indexKey, 'fetching', this.d.limits.fetchingPointerTtlMs);
    try {
      this.d.counters.originFetches++;
      const pathAndQuery = job.url.slice(job.origin.length);
      const headers = { ...this.upstreamHeaders(job), ...(stale ? revalidationHeaders(stale.headers) : {}) };
      const r = await this.request(job, address, pathAndQuery, headers);
      if (stale && r.status === 304) {
        r.body.resume();
        const now = this.d.clock.now();
        const merged = mergeNotModified(stale.headers, storableHeaders(r.headers));
        const initialAgeMs = ageHeaderMs(r.headers);
        const freshMs = freshnessMs(merged, this.d.limits.defaultTtlMs) - initialAgeMs;
        const obj = await this.d.store.refresh(stale, { url: stale.url, vary: stale.vary, headers: merged, storedAt: now, initialAgeMs, freshUntil: now + freshMs });
        this.d.counters.revalidated++;
        flight.setHead({ kind: 'stored', obj, stale: false });
        flight.end();
        this.d.coop.announce(job.indexKey, 'held', Math.min(this.d.limits.heldPointerTtlMs, freshMs));
        return;
      }
      if (r.status >= 500 && job.stale) {
        r.body.resume();
        throw new ProxyError('origin-unreachable', `origin answered ${r.status}`);
      }
      await this.fill(job, flight, r, 'MISS', entry);
    } finally {
      this.d.coop.withdraw(job.indexKey, 'fetching');
    }
  }

  /** Streams (or, when a manifest lists the object, verifies then releases) one response, then stores it. */
  private async fill(job: FetchJob, flight: Flight, r: UpstreamResponse, source: CacheSource, entry: ManifestObject | undefined): Promise<void> {
    const { limits, counters, clock } = this.d;
    const headers = storableHeaders(r.headers);
    const declared = contentLength(r.headers);
    const verifying = entry !== undefined && r.status === 200;
    if (declared !== null && declared > limits.maxObjectBytes) {
      r.body.destroy();
      throw new ProxyError('too-large', `object is ${declared} bytes, the limit is ${limits.maxObjectBytes}`);
    }
    if (verifying && declared !== null && declared !== entry.size) {
      r.body.destroy();
      counters.verifyFailures++;
      throw new ProxyError('verify-failed', `${job.url}: ${declared} bytes, the manifest says ${entry.size}`);
    }
    const initialAgeMs = ageHeaderMs(r.headers);
    const head = { kind: 'stream' as const, status: r.status, headers, source, initialAgeMs };
    if (!verifying) flight.setHead(head);
    let body: Buffer;
    try {
      const maxBytes = verifying ? Math.min(entry.size, limits.maxObjectBytes) : limits.maxObjectBytes;
      body = await readBody(r.body, { maxBytes, idleTimeoutMs: limits.originIdleTimeoutMs, clock, onChunk: verifying ? undefined : (b) => flight.push(b) });
    } catch (e) {
      if (verifying && (e as ProxyError).code === 'too-large') counters.verifyFailures++;
      throw verifying && (e as ProxyError).code === 'too-large' ? new ProxyError('verify-failed', `${job.url}: longer than the manifest says`) : e;
    }
    if (verifying) {
      if (!(await verifyObject(body, entry))) {
        counters.verifyFailures++;
        this.d.log.warn({ url: job.url, source }, 'body does not match the origin manifest; refused');
        throw new ProxyError('verify-failed', `${job.url}: body does not match the manifest's hash`);
      }
      flight.setHead(head);
      flight.push(body);
    }
    flight.end();
    if (!isStorable(r.status, headers)) return;
    const now = clock.now();
    const freshMs = freshnessMs(headers, limits.defaultTtlMs) - initialAgeMs;
    const vary = varyNames(headers);
    try {
      const stored = await this.d.store.put(job.url + variantSuffix(vary, job.reqHeaders), { url: job.url, vary, headers, storedAt: now, initialAgeMs, freshUntil: now + freshMs }, body);
      if (stored) this.d.coop.announce(job.indexKey, 'held', Math.min(limits.heldPointerTtlMs, freshMs));
    } catch (err) {
      this.d.log.warn({ url: job.url, err: (err as Error).message }, 'could not store object');
    }
  }
}
