// One fetchObject call: local store first, then peers (pipelined requests spread over several
// links), racing the seed proxy and then the origin once peers are absent, slow or exhausted.
// Only chunks that passed verifyChunk are kept, whatever their source.
//
// Timeouts (FETCH_DEFAULTS), chosen so a page is never much slower than straight from the origin:
//  - tracker not connected: wait at most trackerWaitMs, then go to the fallback;
//  - lookup: at most lookupTimeoutMs; no holder found means the fallback starts at once;
//  - no verified chunk from any peer within firstChunkDeadlineMs, or no further chunk for
//    stallDeadlineMs: the fallback starts for every chunk still missing (peers already asked may
//    still win the race; no new peer requests are made);
//  - one chunk request lasting over chunkTimeoutBaseMs + size / peerMinBytesPerSec is cancelled and
//    that link is not asked again during this fetch;
//  - the seed proxy gets seedTimeoutBaseMs + span / seedMinBytesPerSec before the origin is tried;
//    the origin has no timeout of ours (the browser's own behaviour applies).
import { base64 } from '@scure/base';
import { chunkRange, verifyChunk, type ManifestObject } from '../manifest';
import { hasBit } from './bitfield';
import { ReefFetchError } from './errors';
import { fetchChunksOverHttp } from './http-source';
import type { PeerLink } from './peer-link';
import { assembleRange, chunksForRange, type ByteRange } from './range';
import type { Swarm } from './swarm';
import type { TrackerSession } from './tracker-session';
import type { ChunkStore } from './chunk-store';
import type { Clock, HttpFetch } from './types';

export const FETCH_DEFAULTS = {
  trackerWaitMs: 500,
  lookupTimeoutMs: 1_500,
  /** Holders dialled per object (plus links already open that hold it). */
  maxPeersPerObject: 4,
  lookupMaxPeers: 12,
  /** Chunk requests outstanding per link: keeps the channel busy across request round trips. */
  pipelineDepth: 4,
  firstChunkDeadlineMs: 1_500,
  stallDeadlineMs: 2_000,
  chunkTimeoutBaseMs: 3_000,
  peerMinBytesPerSec: 256 * 1024,
  seedTimeoutBaseMs: 4_000,
  seedMinBytesPerSec: 1024 * 1024,
};
export type FetchConfig = typeof FETCH_DEFAULTS;

export type ChunkSource = 'peer' | 'seed' | 'origin' | 'cache';
export type SourceCounts = Record<ChunkSource, number>;

export interface FetchRequest {
  /** The site's origin, e.g. https://example.com. */
  site: string;
  path: string;
  entry: ManifestObject;
  /** The object through a seed proxy, if the caller knows one. */
  seedProxyUrl?: string;
  originUrl: string;
  /** Inclusive byte range, as in an HTTP Range header. */
  range?: ByteRange;
}

export interface FetchResult {
  bytes: Uint8Array;
  /** Verified bytes by where they came from (whole chunks, so a range may count more than it returns). */
  source: SourceCounts;
}

/** What a fetch needs from the engine. */
export interface FetchContext {
  clock: Clock;
  cfg: FetchConfig;
  swarm: Swarm;
  tracker: TrackerSession;
  store: ChunkStore;
  /** False when the chunk is surely not in the store (the engine's in-memory holdings): skips a store read. */
  mayHold(integrity: string, index: number): boolean;
  httpFetch: HttpFetch;
  /** A verified chunk arrived (the engine stores it and counts it). */
  onChunk(req: FetchRequest, index: number, bytes: Uint8Array, source: ChunkSource, link?: PeerLink): void;
  /** A link sent bytes failing verification or broke the protocol: the engine bans it. */
  onBadPeer(link: PeerLink, why: 'bad-chunk' | 'protocol'): void;
  onBadSource(kind: 'seed' | 'origin'): void;
}

interface InFlight {
  link: PeerLink;
  reqId: number;
  timer: unknown;
}

export class ObjectFetch {
  private readonly integrity: string;
  private readonly needed: number[];
  private readonly done = new Map<number, Uint8Array>();
  private readonly inflight = new Map<number, InFlight>();
  private readonly excluded = new Set<PeerLink>();
  readonly source: SourceCounts = { peer: 0, seed: 0, origin: 0, cache: 0 };
  private discovering = false;
  private pendingDials = 0;
  /** Holders whose link another fetch (or the holder itself) is already opening: worth waiting for. */
  private readonly awaited = new Set<string>();
  private fallbackStarted = false;
  private fallbackDone = false;
  private fallbackAbort: AbortController | null = null;
  private sawMismatch = false;
  private progressTimer: unknown = null;
  private finished = false;
  private resolve!: (r: FetchResult) => void;
  private reject!: (e: Error) => void;
  readonly result: Promise<FetchResult>;

  constructor(
    private readonly ctx: FetchContext,
    readonly req: FetchRequest,
  ) {
    this.integrity = req.entry.integrity;
    this.needed = chunksForRange(req.entry, req.range);
    this.result = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
  }

  async run(): Promise<FetchResult> {
    await this.loadLocal();
    if (!this.maybeFinish()) this.startPeers();
    return this.result;
  }

  /** New links or holdings appeared: see whether they can take requests. */
  poke(): void {
    this.schedule();
    this.checkExhausted();
  }

  abort(err: ReefFetchError): void {
    this.fail(err);
  }

  // ---- sources ---------------------------------------------------------------------------------

  private async loadLocal(): Promise<void> {
    for (const i of this.needed) {
      // A fresh object's store reads queued behind other objects' cache writes and delayed its first request.
      if (!this.ctx.mayHold(this.integrity, i)) continue;
      const bytes = await this.ctx.store.getChunk(this.integrity, i).catch(() => undefined);
      // Re-verified: a disk cache can rot, and verification costs little next to a network fetch.
      if (bytes && (await verifyChunk(bytes, this.req.entry, i))) this.accept(i, bytes, 'cache');
    }
  }

  private startPeers(): void {
    this.armProgressTimer(this.ctx.cfg.firstChunkDeadlineMs);
    this.schedule();
    void this.discover();
  }

  private async discover(): Promise<void> {
    this.discovering = true;
    try {
      if (!(await this.ctx.tracker.whenReady(this.ctx.cfg.trackerWaitMs))) return;
      const entries = await this.withTimeout(this.ctx.tracker.lookup(this.integrity, this.ctx.cfg.lookupMaxPeers), this.ctx.cfg.lookupTimeoutMs).catch(() => []);
      if (this.finished || this.fallbackStarted) return;
      const missing = this.missing();
      const holders = entries.filter((e) => !this.ctx.swarm.isBanned(e.peerId) && (!e.chunks || missing.some((i) => hasBitBase64(e.chunks!.have, i))));
      // A holder already being connected (several objects of one page start at once) is waited for, not
      // skipped: skipping it sent every object but the first to the fallback. Another fetch's dial is
      // joined, so its end (a link, or giving up after its retries) wakes this fetch too.
      for (const e of holders) if (this.ctx.swarm.isConnecting(e.peerId)) this.awaited.add(e.peerId);
      for (const e of holders) if (this.ctx.swarm.isDialing(e.peerId)) this.track(this.ctx.swarm.dial(e.peerId));
      const useful = holders.filter((e) => !this.ctx.swarm.hasLinkTo(e.peerId) && !this.ctx.swarm.isDialing(e.peerId));
      const room = Math.max(0, this.ctx.cfg.maxPeersPerObject - this.usableLinks().length - this.awaited.size);
      for (const e of useful.slice(0, room)) this.track(this.ctx.swarm.dial(e.peerId, this.integrity));
    } finally {
      this.discovering = false;
      this.checkExhausted();
    }
  }

  /** A dial this fetch waits for: until it settles the fetch is not exhausted (the progress timer still runs). */
  private track(dial: Promise<unknown>): void {
    this.pendingDials++;
    void dial.then(() => {
      this.pendingDials--;
      this.schedule();
      this.checkExhausted();
    });
  }

  private usableLinks(): PeerLink[] {
    return this.ctx.swarm.readyLinks().filter((l) => l.remoteServes && !this.excluded.has(l) && l.holdings.has(this.integrity));
  }

  private missing(): number[] {
    return this.needed.filter((i) => !this.done.has(i));
  }

  private schedule(): void {
    if (this.finished || this.fallbackStarted) return;
    const perLink = new Map<PeerLink, number>();
    for (const f of this.inflight.values()) perLink.set(f.link, (perLink.get(f.link) ?? 0) + 1);
    const links = this.usableLinks().sort((a, b) => (perLink.get(a) ?? 0) - (perLink.get(b) ?? 0));
    // Round-robin one request per link per pass, so chunks spread across holders.
    for (let progress = true; progress; ) {
      progress = false;
      for (const link of links) {
        if ((perLink.get(link) ?? 0) >= this.ctx.cfg.pipelineDepth) continue;
        const idx = this.needed.find((i) => !this.done.has(i) && !this.inflight.has(i) && link.has(this.integrity, i));
        if (idx === undefined) continue;
        this.requestFrom(link, idx);
        perLink.set(link, (perLink.get(link) ?? 0) + 1);
        progress = true;
      }
    }
  }

  private requestFrom(link: PeerLink, idx: number): void {
    const { start, end } = chunkRange(this.req.entry, idx);
    const { reqId, done } = link.request(this.integrity, idx, end - start);
    const timeoutMs = this.ctx.cfg.chunkTimeoutBaseMs + ((end - start) / this.ctx.cfg.peerMinBytesPerSec) * 1000;
    const timer = this.ctx.clock.setTimeout(() => {
      this.excluded.add(link);
      link.cancel(reqId);
    }, timeoutMs);
    this.inflight.set(idx, { link, reqId, timer });
    void done.then((r) => this.onPeerResult(link, idx, reqId, r));
  }

  private async onPeerResult(link: PeerLink, idx: number, reqId: number, r: Awaited<ReturnType<PeerLink['request']>['done']>): Promise<void> {
    const f = this.inflight.get(idx);
    if (f && f.reqId === reqId && f.link === link) {
      this.ctx.clock.clearTimeout(f.timer);
      this.inflight.delete(idx);
    }
    if (this.finished) return;
    if (r.ok) {
      if (await verifyChunk(r.bytes, this.req.entry, idx)) {
        if (!this.done.has(idx)) {
          this.accept(idx, r.bytes, 'peer', link);
          this.armProgressTimer(this.ctx.cfg.stallDeadlineMs);
        }
      } else {
        this.excluded.add(link);
        this.ctx.onBadPeer(link, 'bad-chunk');
      }
    } else if (r.reason === 'not-held') {
      const h = link.holdings.get(this.integrity);
      if (h) h.have[idx >> 3] &= ~(0x80 >> (idx & 7));
    } else if (r.reason === 'protocol') {
      this.excluded.add(link);
      this.ctx.onBadPeer(link, 'protocol');
    } else if (r.reason !== 'cancelled') {
      this.excluded.add(link);
    }
    if (this.maybeFinish()) return;
    this.schedule();
    this.checkExhausted();
  }

  /** Peers can give nothing more: no lookup or dial pending, nothing in flight, no link with a missing chunk. */
  private checkExhausted(): void {
    if (this.finished || this.fallbackStarted || this.discovering || this.pendingDials > 0 || this.inflight.size > 0) return;
    for (const peerId of this.awaited) if (this.ctx.swarm.isConnecting(peerId)) return;
    const missing = this.missing();
    if (this.usableLinks().some((l) => missing.some((i) => l.has(this.integrity, i)))) return;
    void this.startFallback();
  }

  private armProgressTimer(ms: number): void {
    if (this.progressTimer !== null) this.ctx.clock.clearTimeout(this.progressTimer);
    this.progressTimer = this.ctx.clock.setTimeout(() => {
      this.progressTimer = null;
      void this.startFallback();
    }, ms);
  }

  private async startFallback(): Promise<void> {
    if (this.fallbackStarted || this.finished) return;
    this.fallbackStarted = true;
    if (this.progressTimer !== null) this.ctx.clock.clearTimeout(this.progressTimer);
    this.progressTimer = null;
    const sources: { kind: 'seed' | 'origin'; url: string }[] = [];
    if (this.req.seedProxyUrl) sources.push({ kind: 'seed', url: this.req.seedProxyUrl });
    sources.push({ kind: 'origin', url: this.req.originUrl });
    for (const src of sources) {
      const missing = this.missing();
      if (this.finished || missing.length === 0) break;
      const abort = (this.fallbackAbort = new AbortController());
      let timer: unknown = null;
      if (src.kind === 'seed') {
        const span = chunkRange(this.req.entry, missing[missing.length - 1]).end - chunkRange(this.req.entry, missing[0]).start;
        timer = this.ctx.clock.setTimeout(() => abort.abort(), this.ctx.cfg.seedTimeoutBaseMs + (span / this.ctx.cfg.seedMinBytesPerSec) * 1000);
      }
      const r = await fetchChunksOverHttp(this.ctx.httpFetch, src.url, this.req.entry, missing, abort.signal);
      if (timer !== null) this.ctx.clock.clearTimeout(timer);
      for (const [i, bytes] of r.chunks) if (!this.done.has(i) && !this.finished) this.accept(i, bytes, src.kind);
      if (!r.ok && r.why === 'mismatch') {
        this.sawMismatch = true;
        this.ctx.onBadSource(src.kind);
      }
    }
    this.fallbackDone = true;
    this.maybeFinish();
  }

  // ---- completion ------------------------------------------------------------------------------

  private accept(idx: number, bytes: Uint8Array, source: 'peer' | 'seed' | 'origin' | 'cache', link?: PeerLink): void {
    this.done.set(idx, bytes);
    this.source[source] += bytes.length;
    if (source !== 'cache') this.ctx.onChunk(this.req, idx, bytes, source, link);
    this.maybeFinish();
  }

  /** Resolves when every needed chunk is verified; rejects once every source has had its turn. */
  private maybeFinish(): boolean {
    if (this.finished) return true;
    if (this.needed.every((i) => this.done.has(i))) {
      this.cleanup();
      this.resolve({ bytes: assembleRange(this.req.entry, this.done, this.needed, this.req.range), source: { ...this.source } });
      return true;
    }
    if (this.fallbackDone && this.inflight.size === 0) {
      const missing = this.missing().length;
      this.fail(
        this.sawMismatch
          ? new ReefFetchError('unverifiable', `${missing} chunks of ${this.req.path} could not be obtained with bytes matching the manifest`)
          : new ReefFetchError('unavailable', `${missing} chunks of ${this.req.path}: no peer, seed or origin delivered them`),
      );
      return true;
    }
    return false;
  }

  private fail(err: ReefFetchError): void {
    if (this.finished) return;
    this.cleanup();
    this.reject(err);
  }

  private cleanup(): void {
    this.finished = true;
    if (this.progressTimer !== null) this.ctx.clock.clearTimeout(this.progressTimer);
    this.fallbackAbort?.abort();
    for (const f of this.inflight.values()) {
      this.ctx.clock.clearTimeout(f.timer);
      f.link.cancel(f.reqId);
    }
    this.inflight.clear();
  }

  private withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const t = this.ctx.clock.setTimeout(() => reject(new Error('timeout')), ms);
      p.then(
        (v) => {
          this.ctx.clock.clearTimeout(t);
          resolve(v);
        },
        (e) => {
          this.ctx.clock.clearTimeout(t);
          reject(e);
        },
      );
    });
  }
}

function hasBitBase64(have: string, i: number): boolean {
  // The tracker's bitfield, decoded lazily per check: only used on a handful of lookup entries.
  try {
    return hasBit(base64.decode(have), i);
  } catch {
    return true;
  }
}
