// FetchEngine: the platform-neutral Reef peer. Fetches verified objects from peers (falling back to
// a seed proxy, then the origin), serves what it holds to other peers within the user's policy, and
// keeps the tracker informed of what it holds. Sockets, WebRTC, storage, HTTP and time are injected
// (see types.ts); the extension's offscreen document and `reef peer` wire them differently.
//
// Upload accounting contract (ServePolicy.uploadUsedThisMonth): the engine reads policy() before
// every chunk it serves. It adds to the caller's figure the bytes it uploaded since the last
// onStats call, so a caller that adds each stats event's uploadedBytes delta to its persisted
// monthly counter (synchronously, in onStats) gets an exact monthly cap.
import { chunkCount, chunkRange, verifyChunk, type ManifestObject } from '../manifest';
import type { ServerMessageOf } from '../tracker/protocol';
import type { ChunkMeta, ChunkStore } from './chunk-store';
import { ReefFetchError } from './errors';
import { hasBit } from './bitfield';
import { HeldIndex } from './held-index';
import { randomId } from './ids';
import { ObjectFetch, FETCH_DEFAULTS, type ChunkSource, type FetchConfig, type FetchRequest, type FetchResult } from './object-fetch';
import type { PeerLink, PeerLinkConfig } from './peer-link';
import type { Holding } from './peer-protocol';
import { Swarm, type SwarmConfig } from './swarm';
import { ByteBucket } from './token-bucket';
import { TrackerSession, type TrackerSessionConfig } from './tracker-session';
import type { Clock, CreatePeer, EngineStats, HttpFetch, RejectReason, ServePolicy, SourceBytes, WebSocketLike } from './types';

export const ENGINE_DEFAULTS = {
  /** Stats events are coalesced to at most one per this interval (the popup shows live figures). */
  statsIntervalMs: 250,
  /** Upload bucket burst, in seconds of the rate cap (at least one piece). */
  uploadBurstSeconds: 1,
  /** With a rate cap, requests beyond this many seconds of queued upload get `busy`. */
  maxUploadBacklogSeconds: 8,
  /** Objects looked up by preconnect() (a page starting): enough to find the site's current holders. */
  preconnectObjects: 3,
};
export type EngineConfig = typeof ENGINE_DEFAULTS;

export interface FetchEngineDeps {
  clock: Clock;
  /** Opens a new WebSocket to the tracker (called again on every reconnect). */
  trackerSocket: () => WebSocketLike;
  createPeer: CreatePeer;
  store: ChunkStore;
  httpFetch: HttpFetch;
  policy: () => ServePolicy;
  onStats?: (s: EngineStats) => void;
}

export interface FetchEngineInit {
  /** 8..64 of [A-Za-z0-9_-]; random by default. */
  peerId?: string;
  /** Measured RTTs to seeds, for the tracker's nearest-cluster ordering. */
  seeds?: { seed: string; rttMs: number }[];
  engine?: Partial<EngineConfig>;
  fetch?: Partial<FetchConfig>;
  swarm?: Partial<SwarmConfig>;
  link?: Partial<PeerLinkConfig>;
  tracker?: Partial<TrackerSessionConfig>;
}

export type { FetchRequest, FetchResult } from './object-fetch';

const zeroSources = (): SourceBytes & { cache: number } => ({ peer: 0, seed: 0, origin: 0, cache: 0 });

export class FetchEngine {
  readonly peerId: string;
  readonly cfg: EngineConfig;
  private readonly fetchCfg: FetchConfig;
  private readonly tracker: TrackerSession;
  private readonly swarm: Swarm;
  private readonly held = new HeldIndex();
  private readonly uploadBucket: ByteBucket;
  private readonly active = new Set<ObjectFetch>();
  /** Bytes queued for upload but not yet sent (and whose site they are), by `${link.id}:${reqId}`. */
  private readonly reserved = new Map<string, { left: number; site: string }>();
  private reservedTotal = 0;
  private uploadedUnreported = 0;
  private statsTimer: unknown = null;
  private started = false;
  private stopped = false;
  private readonly s: EngineStats;

  constructor(
    private readonly deps: FetchEngineDeps,
    init: FetchEngineInit = {},
  ) {
    this.peerId = init.peerId ?? 'reef-' + randomId(16);
    this.cfg = { ...ENGINE_DEFAULTS, ...init.engine };
    this.fetchCfg = { ...FETCH_DEFAULTS, ...init.fetch };
    this.s = {
      peerId: this.peerId,
      trackerConnected: false,
      peersConnected: 0,
      downloaded: zeroSources(),
      uploadedBytes: 0,
      chunksServed: 0,
      rejectsSent: { 'not-held': 0, 'over-cap': 0, disabled: 0, busy: 0 },
      badPeers: 0,
      badChunks: 0,
      garbageFrames: 0,
      badSourceResponses: 0,
      objectsFetched: 0,
      objectsFailed: 0,
      perSite: {},
    };
    this.uploadBucket = new ByteBucket(deps.clock, Infinity, Infinity);
    this.tracker = new TrackerSession(
      {
        clock: deps.clock,
        socket: deps.trackerSocket,
        peerId: this.peerId,
        rtts: init.seeds,
        onSignal: (m: ServerMessageOf<'signal'>) => this.swarm.onSignal(m),
        onStateChange: (up) => {
          this.s.trackerConnected = up;
          this.emitStats();
        },
      },
      init.tracker,
    );
    this.swarm = new Swarm(
      {
        clock: deps.clock,
        tracker: this.tracker,
        createPeer: deps.createPeer,
        uploadBucket: this.uploadBucket,
        localHello: () => this.localHello(),
        linkConfig: init.link,
        handlers: {
          onReady: () => this.onLinksChanged(),
          onClose: (l) => this.onLinkClosed(l),
          onHave: () => this.pokeFetches(),
          onRequest: (l, r) => void this.onRequest(l, r),
          onCancelUpload: (l, reqId) => this.release(l, reqId),
          onUploaded: (l, n, reqId, done) => this.onUploaded(l, n, reqId, done),
          onGarbage: () => {
            this.s.garbageFrames++;
            this.emitStats();
          },
        },
      },
      init.swarm,
    );
  }

  /** Loads holdings from the store, connects to the tracker and announces them. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.held.load(await this.deps.store.holdings());
    this.tracker.start();
    this.announceAll();
  }

  /** Withdraws announcements, closes every link and the tracker session; pending fetches fail with `stopped`. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const f of this.active) f.abort(new ReefFetchError('stopped', 'engine stopped'));
    this.swarm.stop();
    await this.tracker.stop();
    if (this.statsTimer !== null) this.deps.clock.clearTimeout(this.statsTimer);
    this.statsTimer = null;
  }

  /**
   * A page of a site is starting: look up holders of a few of its objects and open links to them now, while
   * the page itself still loads, so its first object requests find a ready link instead of waiting for
   * signalling. Objects held already are skipped. Resolves with the number of dials started.
   */
  async preconnect(integrities: string[]): Promise<number> {
    if (this.stopped || !(await this.tracker.whenReady(this.fetchCfg.trackerWaitMs))) return 0;
    const wanted = integrities.filter((i) => !this.held.get(i)).slice(0, this.cfg.preconnectObjects);
    const found = await Promise.all(wanted.map((i) => this.tracker.lookup(i, this.fetchCfg.lookupMaxPeers).catch(() => [])));
    const peers = [...new Set(found.flat().map((e) => e.peerId))].filter(
      (p) => !this.swarm.isBanned(p) && !this.swarm.hasLinkTo(p) && !this.swarm.isDialing(p),
    );
    const room = Math.max(0, this.fetchCfg.maxPeersPerObject - this.swarm.readyLinks().length);
    for (const p of peers.slice(0, room)) void this.swarm.dial(p);
    return Math.min(room, peers.length);
  }

  /** Fetches an object (or a range of it); every returned byte has been verified against `entry`. */
  async fetchObject(req: FetchRequest): Promise<FetchResult> {
    if (this.stopped) throw new ReefFetchError('stopped', 'engine stopped');
    const site = normalizeSite(req.site);
    const f = new ObjectFetch(
      {
        clock: this.deps.clock,
        cfg: this.fetchCfg,
        swarm: this.swarm,
        tracker: this.tracker,
        store: this.deps.store,
        mayHold: (integrity, index) => {
          const o = this.held.get(integrity);
          return o !== undefined && index < o.chunkCount && hasBit(o.have, index);
        },
        httpFetch: this.deps.httpFetch,
        onChunk: (r, i, bytes, source) => this.onFetchedChunk(r, site, i, bytes, source),
        onBadPeer: (link, why) => this.onBadPeer(link, why),
        onBadSource: () => {
          this.s.badSourceResponses++;
          this.emitStats();
        },
      },
      { ...req, site },
    );
    this.active.add(f);
    try {
      const result = await f.run();
      this.s.objectsFetched++;
      return result;
    } catch (e) {
      this.s.objectsFailed++;
      throw e;
    } finally {
      this.active.delete(f);
      this.announceObject(req.entry.integrity);
      this.emitStats();
    }
  }

  /**
   * Adds an object whose bytes the caller has (a seeded site, a completed download elsewhere):
   * each chunk is verified, and only verified chunks are stored and announced.
   */
  async addObject(site: string, entry: ManifestObject, bytes: Uint8Array): Promise<{ stored: number; bad: number }> {
    site = normalizeSite(site);
    let stored = 0;
    let bad = 0;
    if (bytes.length !== entry.size) return { stored, bad: chunkCount(entry) };
    for (let i = 0; i < chunkCount(entry); i++) {
      const { start, end } = chunkRange(entry, i);
      const chunk = bytes.subarray(start, end);
      if (!(await verifyChunk(chunk, entry, i))) {
        bad++;
        continue;
      }
      await this.storeChunk(entry, site, i, chunk);
      stored++;
    }
    this.announceObject(entry.integrity);
    return { stored, bad };
  }

  /** Call after the user changed the policy: re-announces or withdraws to match it. */
  policyChanged(): void {
    const p = this.deps.policy();
    const withdraw = this.held.all().filter((o) => !this.mayServeSite(p, o.site)).map((o) => o.integrity);
    if (withdraw.length > 0) void this.tracker.withdraw(withdraw).catch(() => {});
    this.announceAll();
  }

  stats(): EngineStats {
    this.s.peersConnected = this.swarm.connectedCount;
    return structuredClone(this.s);
  }

  /** Links with a received hello (for tests and the status line). */
  get linkCount(): number {
    return this.swarm.readyLinks().length;
  }

  get trackerReady(): boolean {
    return this.tracker.ready;
  }

  /** Resolves when the tracker welcomed us (false after timeoutMs). */
  whenTrackerReady(timeoutMs: number): Promise<boolean> {
    return this.tracker.whenReady(timeoutMs);
  }

  // ---- holdings --------------------------------------------------------------------------------

  private async storeChunk(entry: ManifestObject, site: string, index: number, bytes: Uint8Array): Promise<void> {
    const meta: ChunkMeta = { size: entry.size, chunkCount: chunkCount(entry), type: entry.type, site };
    await this.deps.store.putChunk(entry.integrity, index, bytes, meta);
    this.held.add(entry.integrity, index, meta);
  }

  private onFetchedChunk(req: FetchRequest, site: string, index: number, bytes: Uint8Array, source: ChunkSource): void {
    if (source === 'cache') return;
    this.s.downloaded[source] += bytes.length;
    this.site(site).downloaded[source] += bytes.length;
    this.storeChunk(req.entry, site, index, bytes).catch(() => {});
    this.emitStats();
  }

  private mayServeSite(p: ServePolicy, site: string): boolean {
    return p.serve && !p.disabledSites.some((d) => normalizeSite(d) === site);
  }

  private localHello(): { serves: boolean; holdings: Holding[] } {
    const p = this.deps.policy();
    if (!p.serve || p.uploadBytesPerSec <= 0) return { serves: false, holdings: [] };
    return { serves: true, holdings: this.held.all().filter((o) => this.mayServeSite(p, o.site)).map(HeldIndex.toHolding) };
  }

  private announceAll(): void {
    const p = this.deps.policy();
    if (!p.serve) return;
    const objs = this.held.all().filter((o) => this.mayServeSite(p, o.site));
    if (objs.length > 0) this.tracker.announce(objs.map(HeldIndex.toAnnouncement));
  }

  /** Tells the tracker and every open link about an object we now hold (more of). */
  private announceObject(integrity: string): void {
    const o = this.held.get(integrity);
    const p = this.deps.policy();
    if (!o || this.stopped || !this.mayServeSite(p, o.site)) return;
    this.tracker.announce([HeldIndex.toAnnouncement(o)]);
    for (const l of this.swarm.readyLinks()) l.sendHave([HeldIndex.toHolding(o)]);
  }

  // ---- serving ---------------------------------------------------------------------------------

  private refuse(link: PeerLink, reqId: number, reason: RejectReason): void {
    link.reject(reqId, reason);
    this.s.rejectsSent[reason]++;
    this.emitStats();
  }

  private async onRequest(link: PeerLink, r: { integrity: string; chunkIndex: number; reqId: number }): Promise<void> {
    const p = this.deps.policy();
    const o = this.held.get(r.integrity);
    if (!o || r.chunkIndex >= o.chunkCount) return this.refuse(link, r.reqId, 'not-held');
    if (!this.mayServeSite(p, o.site) || p.uploadBytesPerSec <= 0) return this.refuse(link, r.reqId, 'disabled');
    const bytes = await this.deps.store.getChunk(r.integrity, r.chunkIndex).catch(() => undefined);
    if (!bytes) return this.refuse(link, r.reqId, 'not-held');
    if (link.closed) return;
    const used = p.uploadUsedThisMonth + this.uploadedUnreported + this.reservedTotal;
    if (used + bytes.length > p.uploadBytesPerMonth) return this.refuse(link, r.reqId, 'over-cap');
    const rate = p.uploadBytesPerSec;
    this.uploadBucket.setRate(rate, rate === Infinity ? Infinity : Math.max(link.cfg.pieceBytes, rate * this.cfg.uploadBurstSeconds));
    if (rate !== Infinity && (this.reservedTotal + bytes.length) / rate > this.cfg.maxUploadBacklogSeconds) return this.refuse(link, r.reqId, 'busy');
    const key = `${link.id}:${r.reqId}`;
    this.reserved.set(key, { left: bytes.length, site: o.site });
    this.reservedTotal += bytes.length;
    if (!link.serve(r.reqId, bytes)) {
      this.release(link, r.reqId);
      this.s.rejectsSent.busy++;
    }
  }

  private onUploaded(link: PeerLink, n: number, reqId: number, done: boolean): void {
    const key = `${link.id}:${reqId}`;
    const r = this.reserved.get(key);
    if (r) {
      r.left -= n;
      this.reservedTotal -= n;
      this.site(r.site).uploadedBytes += n;
    }
    if (done) {
      this.release(link, reqId);
      this.s.chunksServed++;
    }
    this.s.uploadedBytes += n;
    this.uploadedUnreported += n;
    this.emitStats();
  }

  private release(link: PeerLink, reqId: number): void {
    const key = `${link.id}:${reqId}`;
    const r = this.reserved.get(key);
    if (!r) return;
    this.reserved.delete(key);
    this.reservedTotal -= r.left;
  }

  // ---- peers -----------------------------------------------------------------------------------

  private onBadPeer(link: PeerLink, why: 'bad-chunk' | 'protocol'): void {
    if (why === 'bad-chunk') this.s.badChunks++;
    if (!this.swarm.isBanned(link.remotePeerId)) this.s.badPeers++;
    this.swarm.ban(link.remotePeerId);
    this.emitStats();
  }

  private onLinksChanged(): void {
    this.pokeFetches();
    this.emitStats();
  }

  private onLinkClosed(link: PeerLink): void {
    for (const key of [...this.reserved.keys()]) if (key.startsWith(`${link.id}:`)) this.release(link, Number(key.split(':')[1]));
    this.pokeFetches();
    this.emitStats();
  }

  private pokeFetches(): void {
    for (const f of this.active) f.poke();
  }

  // ---- stats -----------------------------------------------------------------------------------

  private site(site: string): { downloaded: SourceBytes; uploadedBytes: number } {
    return (this.s.perSite[site] ??= { downloaded: zeroSources(), uploadedBytes: 0 });
  }

  private emitStats(): void {
    if (!this.deps.onStats || this.statsTimer !== null || this.stopped) return;
    this.statsTimer = this.deps.clock.setTimeout(() => {
      this.statsTimer = null;
      this.uploadedUnreported = 0;
      this.deps.onStats?.(this.stats());
    }, this.cfg.statsIntervalMs);
  }
}

/** Sites are compared as origins (`https://example.com`), whatever spelling the caller used. */
export function normalizeSite(site: string): string {
  try {
    return new URL(site).origin;
  } catch {
    return site;
  }
}
