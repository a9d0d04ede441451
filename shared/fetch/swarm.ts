// The set of WebRTC links: dials peers found through the tracker, answers peers that dial us,
// relays their signalling through the TrackerSession, and remembers peers banned for bad chunks.
import type { ServerMessageOf } from '../tracker/protocol';
import { randomId } from './ids';
import { PeerLink, type PeerLinkConfig, type PeerLinkHandlers } from './peer-link';
import type { Holding } from './peer-protocol';
import { fromTrackerSignal, toTrackerSignal } from './signal-codec';
import type { ByteBucket } from './token-bucket';
import type { TrackerSession } from './tracker-session';
import type { Clock, CreatePeer, SimplePeerSignal } from './types';

export const SWARM_DEFAULTS = {
  /** A dial that has not produced the remote's hello by then is abandoned. */
  connectTimeoutMs: 5_000,
  /** Handshakes tried per dial within connectTimeoutMs. */
  dialAttempts: 3,
  /** Links kept at once (dialled + accepted). */
  maxLinks: 64,
  /** Session ids whose candidates arrived before their offer, remembered (oldest evicted first). */
  maxEarlySessions: 32,
};
export type SwarmConfig = typeof SWARM_DEFAULTS;

export interface SwarmDeps {
  clock: Clock;
  tracker: TrackerSession;
  createPeer: CreatePeer;
  uploadBucket: ByteBucket;
  handlers: Omit<PeerLinkHandlers, 'onReady' | 'onClose'> & { onReady(l: PeerLink): void; onClose(l: PeerLink): void };
  localHello: () => { serves: boolean; holdings: Holding[] };
  linkConfig?: Partial<PeerLinkConfig>;
}

export class Swarm {
  readonly cfg: SwarmConfig;
  private readonly bySid = new Map<string, PeerLink>();
  private readonly banned = new Set<string>();
  private readonly early = new Map<string, { from: string; signals: SimplePeerSignal[] }>();
  private readonly readyWaiters = new Map<PeerLink, (ok: boolean) => void>();
  /** Dials in progress, by peer: one per peer, shared by every fetch that wants that peer. */
  private readonly dialing = new Map<string, Promise<PeerLink | null>>();
  private stopped = false;

  constructor(
    private readonly deps: SwarmDeps,
    cfg: Partial<SwarmConfig> = {},
  ) {
    this.cfg = { ...SWARM_DEFAULTS, ...cfg };
  }

  get links(): PeerLink[] {
    return [...this.bySid.values()];
  }

  /** Links whose hello arrived and that have not closed. */
  readyLinks(): PeerLink[] {
    return this.links.filter((l) => l.helloReceived && !l.closed && !this.banned.has(l.remotePeerId));
  }

  get connectedCount(): number {
    return new Set(this.readyLinks().map((l) => l.remotePeerId)).size;
  }

  isBanned(peerId: string): boolean {
    return this.banned.has(peerId);
  }

  /** Never talks to this peer again (for the engine's lifetime) and drops its links now. */
  ban(peerId: string): void {
    this.banned.add(peerId);
    for (const l of this.links) if (l.remotePeerId === peerId) l.close();
  }

  get bannedCount(): number {
    return this.banned.size;
  }

  /**
   * A link to this peer is being set up (by another fetch's dial, or by the peer dialling us). A dial
   * counts until it gives up, also between two of its attempts: there the old link is closed and the
   * next not yet open, and fetches waiting on this peer took that moment for "no peer" and all went to
   * the fallback (node-datachannel aborts a first handshake now and then under load).
   */
  isConnecting(peerId: string): boolean {
    return this.dialing.has(peerId) || this.links.some((l) => l.remotePeerId === peerId && !l.closed && !l.helloReceived);
  }

  /** One of our dials to this peer is in progress (maybe between two attempts). */
  isDialing(peerId: string): boolean {
    return this.dialing.has(peerId);
  }

  hasLinkTo(peerId: string): boolean {
    return this.links.some((l) => l.remotePeerId === peerId && !l.closed);
  }

  /**
   * Dials `peerId`; resolves with the link once its hello arrived, or null (timeout, refusal, limit).
   * A connection that dies while connecting is retried with a fresh session: node-datachannel
   * occasionally aborts a handshake whose checks race the answer (seen under CPU load).
   * A second dial to a peer already being dialled joins the first.
   */
  dial(peerId: string, integrity?: string): Promise<PeerLink | null> {
    let p = this.dialing.get(peerId);
    if (!p) {
      p = this.dialAttempts(peerId, integrity).finally(() => this.dialing.delete(peerId));
      this.dialing.set(peerId, p);
    }
    return p;
  }

  private async dialAttempts(peerId: string, integrity?: string): Promise<PeerLink | null> {
    const deadline = this.deps.clock.now() + this.cfg.connectTimeoutMs;
    for (let attempt = 0; attempt < this.cfg.dialAttempts; attempt++) {
      const left = deadline - this.deps.clock.now();
      if (left <= 0 || this.stopped || this.banned.has(peerId) || this.bySid.size >= this.cfg.maxLinks || !this.deps.tracker.ready) return null;
      const link = this.open(peerId, randomId(16), true, integrity);
      if (!link) return null;
      const r = await this.whenReady(link, left);
      if (r || link.connected) return r;
    }
    return null;
  }

  /** A signal relayed by the tracker: an offer opens a link; anything else feeds an existing one. */
  onSignal(m: ServerMessageOf<'signal'>): void {
    if (this.stopped || this.banned.has(m.from)) return;
    const data = fromTrackerSignal(m.data);
    if (!data) return;
    let link = this.bySid.get(m.sid);
    if (link && link.remotePeerId !== m.from) return; // someone else's session id: ignore
    if (!link) {
      if (m.data.kind !== 'offer') return this.holdEarly(m.sid, m.from, data);
      if (this.bySid.size >= this.cfg.maxLinks) return;
      link = this.open(m.from, m.sid, false) ?? undefined;
      if (!link) return;
    }
    const early = this.early.get(m.sid);
    this.early.delete(m.sid);
    try {
      link.peer.signal(data);
      if (early && early.from === m.from) for (const d of early.signals) link.peer.signal(d);
    } catch {
      link.close();
    }
  }

  /**
   * An offerer may trickle a candidate before its offer (node-datachannel gathers as soon as the
   * channel exists): keep a few such signals per session id until the offer arrives.
   */
  private holdEarly(sid: string, from: string, data: SimplePeerSignal): void {
    let e = this.early.get(sid);
    if (!e) {
      if (this.early.size >= this.cfg.maxEarlySessions) this.early.delete(this.early.keys().next().value!);
      this.early.set(sid, (e = { from, signals: [] }));
    }
    if (e.from === from && e.signals.length < 8) e.signals.push(data);
  }

  stop(): void {
    this.stopped = true;
    for (const l of this.links) l.close();
  }

  private open(peerId: string, sid: string, initiator: boolean, integrity?: string): PeerLink | null {
    let peer;
    try {
      peer = this.deps.createPeer({ initiator, iceServers: this.deps.tracker.welcome?.iceServers ?? [] });
    } catch {
      return null;
    }
    const handlers: PeerLinkHandlers = {
      ...this.deps.handlers,
      onReady: (l) => {
        this.readyWaiters.get(l)?.(true);
        this.deps.handlers.onReady(l);
      },
      onClose: (l) => {
        if (this.bySid.get(l.sid) === l) this.bySid.delete(l.sid);
        this.readyWaiters.get(l)?.(false);
        this.deps.handlers.onClose(l);
      },
    };
    const link = new PeerLink(peerId, sid, peer, { clock: this.deps.clock, handlers, uploadBucket: this.deps.uploadBucket, localHello: this.deps.localHello }, this.deps.linkConfig);
    this.bySid.set(sid, link);
    peer.on('signal', (s) => {
      const data = toTrackerSignal(s);
      if (data) this.deps.tracker.signal(peerId, sid, data, initiator ? integrity : undefined).catch(() => link.close());
    });
    return link;
  }

  private whenReady(link: PeerLink, timeoutMs: number): Promise<PeerLink | null> {
    return new Promise((resolve) => {
      const timer = this.deps.clock.setTimeout(() => {
        settle(false);
        link.close();
      }, timeoutMs);
      const settle = (ok: boolean) => {
        if (!this.readyWaiters.has(link)) return;
        this.readyWaiters.delete(link);
        this.deps.clock.clearTimeout(timer);
        resolve(ok ? link : null);
      };
      this.readyWaiters.set(link, settle);
    });
  }
}
