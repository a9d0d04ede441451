// The tracker, sans I/O: sessions, announcements in a ContentIndex, lookups ordered nearest-first,
// signalling (local or relayed to another tracker), limits. Owns no sockets and no timers: the
// socket front feeds it frames, the clock is injected, the index and relay are interfaces.
import { contentKey } from '../shared/tracker/content-key';
import { TRACKER_CLOSE, TRACKER_ERRORS, type TrackerErrorCode } from '../shared/tracker/errors';
import { decodeIndexValue, encodeIndexValue, type IndexValue } from '../shared/tracker/index-value';
import {
  PROTOCOL_VERSION,
  parseClientMessage,
  type ChunkBitfield,
  type ClientMessageOf,
  type PeerEntry,
  type ServerMessage,
  type TrackerRef,
} from '../shared/tracker/protocol';
import type { Clock } from '../shared/clock';
import { TRACKER_DEFAULTS, type TrackerConfig } from './config';
import { smallInteger, type ContentIndex } from './content-index';
import { createTrackerMetrics } from './metrics';
import { clusterOf, orderPeers } from './order-peers';
import { RouteCache } from './route-cache';
import { Session, type Connection, type HeldObject } from './session';
import { noRelay, type RelayedSignal, type SignalRelay, type SignalSink } from './signal-relay';

export interface TrackerLogger {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}
const silent: TrackerLogger = { warn() {}, debug() {} };

export interface TrackerDeps {
  clock: Clock;
  index: ContentIndex;
  /** This tracker's identity as written into index values (node id hex + host:httpPort). */
  self: TrackerRef;
  relay?: SignalRelay;
  log?: TrackerLogger;
  random?: () => number;
}

export class Tracker implements SignalSink {
  readonly cfg: TrackerConfig;
  readonly metrics = createTrackerMetrics();
  readonly self: TrackerRef;
  private readonly sessions = new Set<Session>();
  private readonly byPeer = new Map<string, Session>();
  private readonly routes: RouteCache;
  private readonly log: TrackerLogger;
  private readonly relay: SignalRelay;
  private readonly random: () => number;
  private tickTimer: unknown = null;
  private readonly epoch: number;

  constructor(
    private readonly deps: TrackerDeps,
    cfg: Partial<TrackerConfig> = {},
  ) {
    this.cfg = { ...TRACKER_DEFAULTS, ...cfg };
    // Heartbeats must re-put before entries lapse, or live peers vanish from lookups.
    if (this.cfg.refreshAfterMs >= this.cfg.announceTtlMs) throw new Error('bad-config: refreshAfterMs must be below announceTtlMs');
    this.self = deps.self;
    this.log = deps.log ?? silent;
    this.relay = deps.relay ?? noRelay;
    this.random = deps.random ?? Math.random;
    this.routes = new RouteCache(this.cfg.routeCacheSize, this.cfg.routeTtlMs);
    this.epoch = deps.clock.now();
  }

  /** Ms since this tracker started: small integers, stored inline (see HeldObject). */
  private sinceEpoch(): number {
    return smallInteger(this.deps.clock.now() - this.epoch);
  }

  start(): void {
    if (this.tickTimer === null) this.scheduleTick();
  }

  /** Stops maintenance and closes every session (withdrawing their announcements). */
  async stop(): Promise<void> {
    if (this.tickTimer !== null) this.deps.clock.clearTimeout(this.tickTimer);
    this.tickTimer = null;
    await Promise.all([...this.sessions].map((s) => this.end(s, TRACKER_CLOSE.replaced)));
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  connect(conn: Connection): Session {
    const s = new Session(conn, this.deps.clock, this.cfg);
    this.sessions.add(s);
    this.metrics.sessionsOpened++;
    this.metrics.sessionsActive = this.sessions.size;
    return s;
  }

  /** The connection went away: withdraw everything the peer announced. Idempotent. */
  async disconnect(s: Session): Promise<void> {
    if (!this.sessions.delete(s)) return;
    s.closed = true;
    this.metrics.sessionsActive = this.sessions.size;
    if (s.peerId !== null && this.byPeer.get(s.peerId) === s) this.byPeer.delete(s.peerId);
    const removals = [...s.objects].map(([integrity, held]) => {
      this.integrities.release(integrity);
      return this.deps.index.remove(contentKey(integrity), s.heldValue(held));
    });
    s.objects.clear();
    await Promise.allSettled(removals);
  }

  /** One incoming frame. Never throws; remote faults become error replies, counters and strikes. */
  receive(s: Session, frame: string | Uint8Array): void {
    if (s.closed) return;
    const bytes = typeof frame === 'string' ? frame.length : frame.byteLength; // chars ~ bytes for the cap
    this.metrics.messagesIn++;
    this.metrics.bytesIn += bytes;
    s.lastSeenAt = this.deps.clock.now();
    if (bytes > this.cfg.maxMessageBytes) {
      this.metrics.tooLarge++;
      return this.fault(s, TRACKER_ERRORS.tooLarge, `frame over ${this.cfg.maxMessageBytes} bytes`, peekId(frame));
    }
    if (!s.messages.take()) {
      this.metrics.rateLimited++;
      return this.fault(s, TRACKER_ERRORS.rateLimited, `over ${this.cfg.messagesPerSec} messages/s`, peekId(frame));
    }
    const parsed = parseClientMessage(frame);
    if (!parsed.ok) {
      this.metrics.malformed[parsed.code] = (this.metrics.malformed[parsed.code] ?? 0) + 1;
      return this.fault(s, parsed.code, parsed.message, parsed.id);
    }
    const msg = parsed.msg;
    if (msg.type === 'hello') return this.onHello(s, msg);
    if (s.peerId === null) return this.fault(s, TRACKER_ERRORS.noHello, 'send hello first', 'id' in msg ? msg.id : undefined);
    switch (msg.type) {
      case 'announce':
        return this.settle(s, msg, this.onAnnounce(s, msg));
      case 'lookup':
        return this.settle(s, msg, this.onLookup(s, msg));
      case 'signal':
        return this.settle(s, msg, this.onSignal(s, msg));
      case 'withdraw':
        return this.settle(s, msg, this.onWithdraw(s, msg));
      case 'heartbeat':
        return this.settle(s, msg, this.onHeartbeat(s, msg));
    }
  }

  /** Entry point for a signal relayed by another tracker. True if a connected peer got it. */
  acceptRelayedSignal(m: RelayedSignal): boolean {
    const target = this.byPeer.get(m.to);
    if (!target || m.fromTracker.id === this.self.id) {
      this.metrics.relayedSignalsDropped++;
      return false;
    }
    // Remember where the sender is so the answer and candidates can flow back.
    this.routes.set(m.from, m.fromTracker, this.deps.clock.now());
    this.metrics.relayedSignalsAccepted++;
    this.send(target, { type: 'signal', from: m.from, sid: m.sid, data: m.data });
    return true;
  }

  /** Async handlers fail only if the index does: that becomes an error reply, never a rejection. */
  private settle(s: Session, msg: { type: string; id: number }, p: Promise<void>): void {
    p.catch((err: unknown) => {
      this.metrics.indexFailures++;
      this.log.warn({ err: String(err), type: msg.type }, 'tracker request failed');
      this.send(s, { type: 'error', id: msg.id, code: TRACKER_ERRORS.indexFailure, message: 'index unavailable' });
    });
  }

  // ---- handlers --------------------------------------------------------------------------------

  private onHello(s: Session, m: ClientMessageOf<'hello'>): void {
    if (s.peerId !== null) return this.fault(s, TRACKER_ERRORS.alreadyHello, 'hello was already sent');
    if (m.v !== PROTOCOL_VERSION) {
      return this.fault(s, TRACKER_ERRORS.unsupportedVersion, `this tracker speaks v${PROTOCOL_VERSION}`);
    }
    if (this.byPeer.has(m.peerId)) return this.fault(s, TRACKER_ERRORS.peerIdTaken, 'peer id in use');
    s.peerId = m.peerId;
    s.cluster = clusterOf(m.rtts, this.self.id);
    for (const r of m.rtts) s.rttMs.set(r.seed, r.rttMs);
    this.byPeer.set(m.peerId, s);
    this.send(s, {
      type: 'welcome',
      v: PROTOCOL_VERSION,
      peerId: m.peerId,
      tracker: this.self,
      cluster: s.cluster,
      iceServers: this.cfg.iceServers,
      heartbeatMs: Math.floor(this.cfg.idleTimeoutMs / 3),
      limits: {
        maxObjects: this.cfg.maxObjectsPerPeer,
        maxMessageBytes: this.cfg.maxMessageBytes,
        messagesPerSec: this.cfg.messagesPerSec,
      },
    });
  }

  private async onAnnounce(s: Session, m: ClientMessageOf<'announce'>): Promise<void> {
    this.metrics.announces++;
    if (s.objects.size + countFresh(m.objects, s.objects) > this.cfg.maxObjectsPerPeer) {
      // All or nothing, so the client never has to guess which objects made it.
      this.strike(s);
      return this.reply(s, m.id, TRACKER_ERRORS.tooManyObjects, `at most ${this.cfg.maxObjectsPerPeer} objects per peer`);
    }
    const now = this.sinceEpoch();
    const ops: Promise<void>[] = [];
    for (const o of m.objects) {
      const old = s.objects.get(o.integrity);
      if (old !== undefined && sameChunks(typeof old === 'number' ? undefined : old.chunks, o.chunks)) {
        // A re-announce of what the index already holds: write only if the entry is getting old.
        if (now - putAtOf(old) >= this.cfg.refreshAfterMs) {
          s.putAgain(o.integrity, old, now);
          ops.push(this.deps.index.put(contentKey(o.integrity), s.heldValue(old), this.cfg.announceTtlMs));
        }
        continue;
      }
      const key = contentKey(o.integrity);
      const value = o.chunks ? this.indexValue(s, o.chunks) : (s.wholeValue ??= this.indexValue(s, undefined));
      // A changed bitfield is a different value: drop the old one so lookups never see both.
      if (old !== undefined) ops.push(this.deps.index.remove(key, s.heldValue(old)));
      const integrity = old !== undefined ? o.integrity : this.integrities.hold(o.integrity);
      s.objects.set(integrity, o.chunks ? { value, putAt: now, chunks: o.chunks } : now);
      ops.push(this.deps.index.put(key, value, this.cfg.announceTtlMs));
    }
    this.metrics.objectsAnnounced += m.objects.length;
    if (ops.length > 0) await Promise.all(ops); // a re-announce of fresh entries writes nothing
    this.send(s, { type: 'announced', id: m.id, accepted: m.objects.length, total: s.objects.size });
  }

  /**
   * The index value naming this session as a holder. Whole objects all get the same bytes (peer,
   * tracker, cluster), so a session shares one array, decoded once, across everything it announces.
   */
  private indexValue(s: Session, chunks: ChunkBitfield | undefined): Uint8Array {
    const held: IndexValue = { peerId: s.peerId!, tracker: this.self, cluster: s.cluster, chunks };
    const value = encodeIndexValue(held);
    // Lookups here will need it decoded: share this tracker's ref and the session's strings now.
    (value as unknown as Record<symbol, PeerEntry>)[this.decodedKey] = this.peerEntry(held);
    return value;
  }

  private async onLookup(s: Session, m: ClientMessageOf<'lookup'>): Promise<void> {
    this.metrics.lookups++;
    const values = await this.deps.index.get(contentKey(m.integrity));
    const now = this.deps.clock.now();
    // A bounded window, so a lookup of a very popular object costs the same as any other.
    const scan = Math.min(values.length, this.cfg.lookupScanLimit);
    const asker = { peerId: s.peerId!, trackerId: this.self.id, cluster: s.cluster, rttMs: s.rttMs };
    const max = m.max ?? this.cfg.defaultLookupPeers;
    const peers = orderPeers(this.candidates(values, scan, max, s.peerId!), asker, max);
    for (const p of peers) if (!p.sameTracker) this.routes.set(p.peerId, p.tracker, now);
    // The reply JSON.stringify would build (peers: ServerMessage), from text made once per peer entry.
    // Joined in one go: a flat string, where += would leave a rope that is copied flat twice on the way out.
    const parts = [`{"type":"peers","id":${m.id},"integrity":${JSON.stringify(m.integrity)},"peers":[`];
    for (let i = 0; i < peers.length; i++) parts.push(i ? ',' : '', this.entryText(peers[i]));
    parts.push(']}');
    this.sendText(s, parts.join(''));
  }

  private async onSignal(s: Session, m: ClientMessageOf<'signal'>): Promise<void> {
    if (m.to === s.peerId) return this.reply(s, m.id, TRACKER_ERRORS.selfSignal, 'cannot signal yourself');
    const local = this.byPeer.get(m.to);
    if (local) {
      this.metrics.signalsLocal++;
      this.send(local, { type: 'signal', from: s.peerId!, sid: m.sid, data: m.data });
      return this.send(s, { type: 'signal-sent', id: m.id, route: 'local' });
    }
    const now = this.deps.clock.now();
    let route = this.routes.get(m.to, now);
    if (!route && m.integrity) {
      // Route through the index: the holder's value names the tracker it is connected to.
      for (const raw of await this.deps.index.get(contentKey(m.integrity))) {
        const v = this.decode(raw);
        if (v && v.peerId === m.to) route = v.tracker;
      }
      if (route) this.routes.set(m.to, route, now);
    }
    const relayed =
      route !== undefined &&
      route.id !== this.self.id &&
      (await this.relay.relay(route, { from: s.peerId!, fromTracker: this.self, to: m.to, sid: m.sid, data: m.data }));
    if (!relayed) {
      this.metrics.signalsUnroutable++;
      return this.reply(s, m.id, TRACKER_ERRORS.peerUnreachable, 'peer not connected here and no route to it');
    }
    this.metrics.signalsRelayed++;
    this.send(s, { type: 'signal-sent', id: m.id, route: 'relayed' });
  }

  private async onWithdraw(s: Session, m: ClientMessageOf<'withdraw'>): Promise<void> {
    this.metrics.withdraws++;
    const ops: Promise<void>[] = [];
    for (const integrity of new Set(m.integrity)) {
      const held = s.objects.get(integrity);
      if (held === undefined) continue;
      s.objects.delete(integrity);
      this.integrities.release(integrity);
      ops.push(this.deps.index.remove(contentKey(integrity), s.heldValue(held)));
    }
    await Promise.all(ops);
    this.send(s, { type: 'withdrawn', id: m.id, removed: ops.length });
  }

  private async onHeartbeat(s: Session, m: ClientMessageOf<'heartbeat'>): Promise<void> {
    this.metrics.heartbeats++;
    const now = this.sinceEpoch();
    const ops: Promise<void>[] = [];
    // Re-put only what is getting old: a heartbeat must not cost a full index write per object.
    for (const [integrity, held] of s.objects) {
      if (now - putAtOf(held) < this.cfg.refreshAfterMs) continue;
      s.putAgain(integrity, held, now); // sets an existing key: the iteration is unaffected
      ops.push(this.deps.index.put(contentKey(integrity), s.heldValue(held), this.cfg.announceTtlMs));
    }
    await Promise.all(ops);
    this.send(s, { type: 'heartbeat-ack', id: m.id, objects: s.objects.size });
  }

  /**
   * Live, decodable index values but the asker's, from a random start (so equally near holders
   * share the load). Stops early once `max` peers of this tracker are in hand: they rank first
   * (order-peers.ts), so nothing later could be chosen. That is the common case of a standalone tracker.
   */
  private candidates(values: Uint8Array[], scan: number, max: number, asker: string): PeerEntry[] {
    const out: PeerEntry[] = [];
    const start = values.length > 0 ? Math.floor(this.random() * values.length) : 0;
    let same = 0;
    for (let i = 0; i < scan && same < max; i++) {
      const v = this.decode(values[(start + i) % values.length]);
      if (!v || v.peerId === asker) continue;
      if (v.sameTracker) {
        if (!this.byPeer.has(v.peerId)) continue; // stale: that peer left us
        same++;
      }
      out.push(v);
    }
    return out;
  }

  // ---- plumbing --------------------------------------------------------------------------------

  /**
   * Index values decoded once per stored array, straight into the entry a lookup answers (it is the
   * same for every asker), kept on the array itself: the memory index hands back the same arrays on
   * every get, so popular objects are not re-decoded per lookup (fresh arrays simply miss), and a
   * property load costs a lookup fewer cache misses than a WeakMap of every value would. A tracker
   * holds one value per announced object, so entries share their tracker ref and cluster string.
   */
  private decode(raw: Uint8Array): PeerEntry | null {
    const slot = raw as unknown as Record<symbol, PeerEntry | null | undefined>;
    let e = slot[this.decodedKey];
    if (e === undefined) {
      const v = decodeIndexValue(raw);
      e = slot[this.decodedKey] = v && this.peerEntry(v);
    }
    return e;
  }

  /** Per tracker: an entry says whether its peer is on *this* tracker (tests share one index). */
  private readonly decodedKey = Symbol('decoded');

  /** Every session holding an object keys it by the same string (10,000 holders, one copy). */
  private readonly integrities = new SharedStrings();
  private readonly trackerRefs = new Interned<TrackerRef & { [TEXT]?: string }>();
  private readonly clusterNames = new Interned<string>();
  private readonly clusterJson = new Interned<string>();

  private peerEntry(v: IndexValue): PeerEntry & { [TEXT]?: string } {
    const tracker = this.trackerRefs.get(`${v.tracker.id} ${v.tracker.addr}`, () => ({ id: v.tracker.id, addr: v.tracker.addr }));
    const cluster = this.clusterNames.get(v.cluster, () => v.cluster);
    const sameTracker = tracker.id === this.self.id;
    // The [TEXT] slot is in the literal, so caching the entry's JSON later keeps one shape per kind.
    return v.chunks
      ? { peerId: v.peerId, tracker, cluster, sameTracker, chunks: v.chunks, [TEXT]: undefined }
      : { peerId: v.peerId, tracker, cluster, sameTracker, [TEXT]: undefined };
  }

  /**
   * JSON of a peer entry as JSON.stringify writes it, made once per entry (the memory index hands back
   * the same entries to every lookup) from its shared parts' text (made once each).
   */
  private entryText(e: PeerEntry & { [TEXT]?: string }): string {
    return (e[TEXT] ??= this.entryJson(e));
  }

  private entryJson(e: PeerEntry): string {
    const tracker = e.tracker as TrackerRef & { [TEXT]?: string };
    const head = (tracker[TEXT] ??= `,"tracker":${JSON.stringify(tracker)},"cluster":`);
    const cluster = this.clusterJson.get(e.cluster, () => JSON.stringify(e.cluster));
    // Peer ids are [A-Za-z0-9_-] (PEER_ID_RE in index-value.ts): nothing to escape.
    const tail = e.chunks ? `,"chunks":${JSON.stringify(e.chunks)}}` : '}';
    return `{"peerId":"${e.peerId}"${head}${cluster},"sameTracker":${e.sameTracker}${tail}`;
  }

  private send(s: Session, msg: ServerMessage): void {
    if (!s.closed) this.sendText(s, JSON.stringify(msg));
  }

  private sendText(s: Session, text: string): void {
    if (s.closed) return;
    this.metrics.messagesOut++;
    try {
      s.conn.send(text);
    } catch (err) {
      this.log.debug({ err: String(err) }, 'send failed');
    }
  }

  private reply(s: Session, id: number | undefined, code: TrackerErrorCode, message: string): void {
    this.send(s, { type: 'error', id, code, message });
  }

  /** A client fault: error reply plus a strike; out of strikes means disconnect. */
  private fault(s: Session, code: TrackerErrorCode, message: string, id?: number): void {
    this.reply(s, id, code, message);
    this.strike(s);
  }

  private strike(s: Session): void {
    if (s.strikes.take()) return;
    this.metrics.abuseClosed++;
    this.log.warn({ peerId: s.peerId }, 'disconnecting abusive client');
    void this.end(s, TRACKER_CLOSE.abuse);
  }

  private async end(s: Session, why: { code: number; reason: string }): Promise<void> {
    try {
      s.conn.close(why.code, why.reason);
    } catch {
      // already gone
    }
    await this.disconnect(s);
  }

  private scheduleTick(): void {
    this.tickTimer = this.deps.clock.setTimeout(() => {
      this.tick();
      this.scheduleTick();
    }, this.cfg.tickMs);
  }

  /** The one maintenance pass: idle sessions, expired routes. */
  tick(): void {
    const now = this.deps.clock.now();
    for (const s of this.sessions) {
      if (now - s.lastSeenAt < this.cfg.idleTimeoutMs) continue;
      this.metrics.idleClosed++;
      void this.end(s, TRACKER_CLOSE.idle);
    }
    this.routes.expire(now);
  }
}

/**
 * Best-effort request id of a frame we refuse to parse (over the rate or size cap), so the client
 * can fail the right request. Looks only at the first bytes: refusing must stay cheap.
 */
function peekId(frame: string | Uint8Array): number | undefined {
  const head = typeof frame === 'string' ? frame.slice(0, 256) : new TextDecoder().decode(frame.subarray(0, 256));
  const m = /"id"\s*:\s*(\d{1,10})[,}\s]/.exec(head);
  const id = m ? Number(m[1]) : NaN;
  return id <= 2 ** 31 ? id : undefined;
}

/** Cached JSON text (of an interned tracker ref, of a peer entry), under a symbol: JSON.stringify skips it. */
const TEXT = Symbol('text');

/** Reference-counted string sharing: hold() returns the one copy in use, release() drops it after the last holder. */
class SharedStrings {
  private readonly byText = new Map<string, { text: string; holders: number }>();

  hold(text: string): string {
    let e = this.byText.get(text);
    if (!e) this.byText.set(text, (e = { text, holders: 0 }));
    e.holders++;
    return e.text;
  }

  release(text: string): void {
    const e = this.byText.get(text);
    if (e && --e.holders === 0) this.byText.delete(text);
  }
}

/** One shared instance per distinct key (trackers and clusters: few, repeated in many index values). */
class Interned<T> {
  private readonly byKey = new Map<string, T>();
  constructor(private readonly maxKeys = 4096) {}

  get(key: string, make: () => T): T {
    let v = this.byKey.get(key);
    if (v === undefined) {
      if (this.byKey.size >= this.maxKeys) this.byKey.clear(); // values decoded before keep theirs
      this.byKey.set(key, (v = make()));
    }
    return v;
  }
}

function putAtOf(held: HeldObject): number {
  return typeof held === 'number' ? held : held.putAt;
}

/** Distinct objects of an announce that the session does not hold yet (a message may repeat one). */
function countFresh(objects: readonly { integrity: string }[], held: ReadonlyMap<string, unknown>): number {
  if (objects.length === 1) return held.has(objects[0].integrity) ? 0 : 1; // the usual case, without a Set
  const fresh = new Set<string>();
  for (const o of objects) if (!held.has(o.integrity)) fresh.add(o.integrity);
  return fresh.size;
}

function sameChunks(a: ChunkBitfield | undefined, b: ChunkBitfield | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.count === b.count && a.have === b.have);
}
