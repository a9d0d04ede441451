// CoralNode: one member of Reef's Coral-style index. A Kademlia node per cluster level (0 global,
// 1 and 2 clusters under 60 / 20 ms RTT by default) with Coral's sloppy put/get on top, plus
// application RPCs on the same authenticated transport. Sans-I/O: transport, clock and
// authenticator are injected; the same class runs over UDP and in the simulator.
import { clusterCensus } from './clusters/census';
import { ClusterMembership } from './clusters/membership';
import { INDEX_DEFAULTS, type IndexConfig } from './config';
import { INDEX_ERRORS, IndexError } from './errors';
import { commonPrefixBits, hexToId, ID_BITS, ID_BYTES, idEquals, idKey, idToHex, randomId, randomIdInBucket } from './id';
import { iterativeLookup, type LookupOutcome, type QueryReply } from './lookup/iterative';
import { nearestByAddress } from './nearness';
import { STORE_STATUS } from './rpc/commands';
import { createCodec } from './rpc/codec';
import { RpcEngine } from './rpc/engine';
import type { Body, ClusterAdvert, Header, Message } from './rpc/messages';
import { RequestHandlers, type AppHandler } from './rpc/handlers';
import { RoutingTable, type RoutingEntry } from './routing/table';
import { SloppyStore } from './storage/store';
import type { Address, Authenticator, Clock, Contact, NodeId, Rng, TimerHandle, Transport } from './types';

export interface CoralComponents {
  transport: Transport;
  clock: Clock;
  authenticator: Authenticator;
  rng?: Rng;
}

export type CoralInit = Partial<IndexConfig> & {
  id?: NodeId;
  services?: number;
  /** Called whenever this node accepts a STORE (metrics, simulations). */
  onStore?: (level: number, key: NodeId, nowMs: number) => void;
};

export interface PutResult {
  /** Where the value was stored, per level (this node itself when every hop was full and loaded). */
  storedAt: Contact[];
  levels: number[];
}

export interface GetResult {
  values: Uint8Array[];
  /** Level that answered (-1 when nothing was found). */
  level: number;
  hops: number;
  /** Time the get took on this node's clock. */
  elapsedMs: number;
}

export interface LevelInfo {
  level: number;
  clusterId: number;
  size: number;
  rttThresholdMs: number;
}

export type { AppHandler } from './rpc/handlers';

export interface SerializedContact {
  id: string;
  address: Address;
  services: number;
}

interface OwnPut {
  key: NodeId;
  value: Uint8Array;
  ttlMs: number;
  expiresAtMs: number;
  levels: number[];
  lastPutMs: number;
  storedAt: Array<{ level: number; contact: Contact }>;
}

const selfContactRtt = 0;

export class CoralNode {
  readonly id: NodeId;
  readonly config: IndexConfig;
  readonly services: number;
  readonly tables: RoutingTable[];
  readonly stores: SloppyStore[];
  readonly clusters: ClusterMembership[];
  readonly stats = { storesAccepted: 0, putsStoredLocally: 0, getsAnswered: 0, appRequests: 0, appErrors: 0, clusterSwitches: 0, malformedApp: 0 };
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly engine: RpcEngine;
  private readonly transport: Transport;
  private readonly onStore?: CoralInit['onStore'];
  private readonly appHandlers = new Map<string, AppHandler>();
  private readonly ownPuts = new Map<string, OwnPut>();
  private readonly pinging = new Set<string>();
  private headerCache: Omit<Header, 'txid'>;
  private tickTimer: TimerHandle | undefined;
  private lastClusterEvalMs = 0;
  /** A member of one of our clusters moved to another cluster since the last evaluation. */
  private memberMoved = false;
  private running = false;
  private bootstrapAddresses: Address[] = [];
  private readonly bootstrapAnswered = new Set<Address>();
  /** Joined knowing nobody: the first node that contacts us makes us join properly, at once. */
  private isolated = false;

  constructor(components: CoralComponents, init: CoralInit = {}) {
    const { id, services, onStore, ...cfg } = init;
    this.config = { ...INDEX_DEFAULTS, rttThresholdsMs: [...INDEX_DEFAULTS.rttThresholdsMs], ...cfg } as IndexConfig;
    this.clock = components.clock;
    this.rng = components.rng ?? Math.random;
    this.transport = components.transport;
    this.id = id ?? randomId(this.rng);
    if (this.id.length !== ID_BYTES) throw new IndexError(INDEX_ERRORS.badKey, 'node id must be 20 bytes');
    this.services = services ?? 0;
    this.onStore = onStore;
    const levels = 1 + this.config.rttThresholdsMs.length;
    this.tables = Array.from({ length: levels }, () => new RoutingTable(this.id, this.config));
    this.stores = Array.from({ length: levels }, () => new SloppyStore(this.config));
    const now = this.clock.now();
    this.clusters = this.config.rttThresholdsMs.map((t, i) => new ClusterMembership(i + 1, t, this.config, this.rng, now));
    this.headerCache = this.buildHeader();
    const handlers = new RequestHandlers({
      tables: this.tables,
      stores: this.stores,
      clusters: this.clusters,
      config: this.config,
      stats: this.stats,
      clock: this.clock,
      appHandlers: this.appHandlers,
      onStore,
      malformed: () => this.engine.counters.droppedMalformed++,
    });
    this.engine = new RpcEngine(
      {
        transport: this.transport,
        clock: this.clock,
        codec: createCodec(components.authenticator, this.config.maxPacketBytes),
        header: () => this.headerCache,
        onMessage: (from, msg, rtt) => this.learn(from, msg, rtt),
        onRequest: (from, msg, reply) => handlers.handle(from, msg, reply),
      },
      Math.floor(this.rng() * 2 ** 32),
    );
  }

  get address(): Address {
    return this.transport.address;
  }

  get counters() {
    return { ...this.engine.counters, ...this.stats, storedValues: this.stores.reduce((n, s) => n + s.size, 0) };
  }

  get sentByType(): Readonly<Record<string, number>> {
    return this.engine.sentByType;
  }

  get levelCount(): number {
    return this.tables.length;
  }

  private buildHeader(): Omit<Header, 'txid'> {
    const now = this.clock.now();
    const clusters: ClusterAdvert[] = this.clusters.map((c) => {
      c.noteOwnEstimate(this.tables[c.level].estimateNetworkSize());
      return { id: c.id, size: Math.round(c.sizeEstimate), ageS: c.ageS(now) };
    });
    return { sender: this.id, services: this.services, clusters };
  }

  // ---------------------------------------------------------------- joining and leaving

  /** Joins through the given addresses (and any imported contacts); resolves when joined. */
  start(bootstrap: Address[] = []): Promise<void> {
    this.running = true;
    this.bootstrapAddresses = [...bootstrap];
    this.scheduleTick(this.config.maintenanceIntervalMs * (0.5 + this.rng()));
    return new Promise((resolve) => {
      let waiting = bootstrap.length;
      const afterPings = () => {
        this.retryBootstrap(0);
        this.join(resolve);
      };
      if (waiting === 0) return afterPings();
      for (const addr of bootstrap) this.pingBootstrap(addr, () => --waiting === 0 && afterPings());
    });
  }

  /**
   * Bootstrap nodes that did not answer (down, or too busy to answer in time: a late reply is dropped)
   * are asked again after 1 s, 2 s, 4 s, … while our table is small: a node that joined alone forms
   * clusters of its own, and seeds that only found each other stay apart from the first seed, until
   * the next maintenance tick. An answer makes learn() add the node (and join, if we were alone).
   */
  private retryBootstrap(attempt: number): void {
    const missing = () => this.bootstrapAddresses.filter((a) => !this.bootstrapAnswered.has(a));
    if (!this.running || missing().length === 0) return;
    const waitMs = Math.min(this.config.bootstrapRetryMaxMs, this.config.rpcTimeoutMs * 2 ** attempt);
    this.clock.setTimeout(() => {
      if (!this.running || this.tables[0].size >= this.config.k) return;
      for (const addr of missing()) this.pingBootstrap(addr, () => {});
      this.retryBootstrap(attempt + 1);
    }, waitMs);
  }

  private pingBootstrap(addr: Address, done: () => void): void {
    this.engine.request(addr, { t: 'ping' }, this.config.rpcTimeoutMs, (reply) => {
      if (reply) this.bootstrapAnswered.add(addr);
      done();
    });
  }

  private join(done: () => void): void {
    this.isolated = false;
    this.findClosest(0, this.id, () => {
      this.isolated = this.tables[0].size === 0;
      // Mark near buckets fresh: the self-lookup just walked them (Kademlia's join rule).
      const now = this.clock.now();
      for (const t of this.tables) t.touchedMs.fill(now, 0, Math.min(ID_BITS, t.depth() + 1));
      const finish = () => {
        this.refreshHeader();
        done();
      };
      this.evaluateClusters(() => {
        // Seeds of a small network join at once and chase each other's clusters: a pick whose members
        // already moved on, or one we ended up alone in, is judged again from what the join just heard.
        const settled = !this.memberMoved && !this.clusters.some((m) => this.tables[m.level].size === 0);
        if (settled || this.tables[0].size === 0) return finish();
        this.memberMoved = false;
        this.evaluateClusters(finish, false, false, false);
      }, false, true);
    });
  }

  /** Leaves cleanly: tells routing contacts (unless notify is false), withdraws nothing (values expire by TTL). */
  stop(opts: { notify?: boolean } = {}): void {
    if (!this.running) return;
    this.running = false;
    if (this.tickTimer !== undefined) this.clock.clearTimeout(this.tickTimer);
    const told = new Set<string>();
    for (const t of opts.notify === false ? [] : this.tables) {
      for (const c of t.all()) {
        if (told.has(c.address)) continue;
        told.add(c.address);
        this.engine.oneWay(c.address, { t: 'leave', levels: 0xff });
      }
    }
    this.engine.close();
    this.transport.close();
  }

  exportContacts(): SerializedContact[] {
    return this.tables[0].all().map((c) => ({ id: idToHex(c.id), address: c.address, services: c.services }));
  }

  /** Adds persisted contacts as candidates; they enter the table once they answer. */
  importContacts(contacts: SerializedContact[]): Address[] {
    const out: Address[] = [];
    for (const c of contacts) if (hexToId(c.id) && typeof c.address === 'string') out.push(c.address);
    return out;
  }

  // ---------------------------------------------------------------- RPC helpers

  private timeoutFor(c: Contact): number {
    const rtt = c.rttMs ?? this.tables[0].get(c.id)?.rttMs;
    if (rtt === undefined) return this.config.rpcTimeoutMs;
    return Math.min(this.config.rpcTimeoutMs, Math.max(this.config.minRpcTimeoutMs, 4 * rtt));
  }

  private call(c: Contact, body: Body, cb: (reply: Message | null) => void): void {
    this.engine.request(c.address, body, this.timeoutFor(c), (reply) => {
      if (!reply || reply.body.t === 'error' || !idEquals(reply.sender, c.id)) {
        const key = idKey(c.id);
        for (const t of this.tables) t.fail(c.id, key);
        return cb(null);
      }
      cb(reply);
    });
  }

  /** Learns from every verified message: routing tables per level and cluster samples. */
  private learn(from: Address, msg: Message, measuredRttMs: number | undefined): void {
    if (idEquals(msg.sender, this.id)) return;
    const contact: Contact = { id: msg.sender, address: from, services: msg.services, rttMs: measuredRttMs };
    const now = this.clock.now();
    const key = idKey(msg.sender);
    this.maybePing(this.tables[0].observe(contact, now, key));
    if (this.isolated && this.running && this.tables[0].size > 0) this.join(() => {});
    const entry = this.tables[0].get(msg.sender, key);
    if (entry) entry.clusterIds = msg.clusters;
    for (const m of this.clusters) {
      const advert = msg.clusters[m.level - 1];
      const table = this.tables[m.level];
      if (advert && advert.id === m.id) this.maybePing(table.observe(contact, now, key));
      else if (table.remove(msg.sender, key) && advert) this.memberMoved = true;
      // Cluster samples come from replies to our own requests, the only RTTs we measure; a request
      // from a contact we measured before still tells us when it moved to another cluster.
      if (!advert) continue;
      if (measuredRttMs !== undefined) m.observe(advert, contact, measuredRttMs, now, key);
      else if (m.movedFrom(advert, key)) {
        const rtt = this.tables[0].get(msg.sender, key)?.rttMs;
        if (rtt !== undefined) m.observe(advert, contact, rtt, now, key);
      }
    }
  }

  /** A full bucket met a newcomer: ping its stalest member; evict it if it does not answer. */
  private maybePing(stale: RoutingEntry | undefined): void {
    if (!stale || this.clock.now() - stale.lastSeenMs < this.config.pingStaleAfterMs) return;
    const key = idKey(stale.id);
    if (this.pinging.has(key)) return;
    this.pinging.add(key);
    this.engine.request(stale.address, { t: 'ping' }, this.timeoutFor(stale), (reply) => {
      this.pinging.delete(key);
      if (!reply) for (const t of this.tables) t.remove(stale.id);
    });
  }

  // ---------------------------------------------------------------- lookups

  private seedsFor(level: number, target: NodeId): Array<{ contact: Contact; depth: number }> {
    return this.tables[level].closest(target, this.config.k).map((contact) => ({ contact, depth: 1 }));
  }

  private touch(level: number, target: NodeId): void {
    const i = commonPrefixBits(this.id, target);
    if (i < ID_BITS) this.tables[level].touchedMs[i] = this.clock.now();
  }

  /** Kademlia node lookup at one level: the k closest live nodes to target. */
  findClosest(level: number, target: NodeId, cb: (o: LookupOutcome) => void, seeds = this.seedsFor(level, target), width = this.config.k): void {
    this.touch(level, target);
    iterativeLookup({
      self: this.id,
      target,
      k: width,
      alpha: this.config.alpha,
      seeds,
      query: (c, done) =>
        this.call(c, { t: 'findNode', level, target }, (r) => done(r && r.body.t === 'nodes' ? { contacts: r.body.contacts } : null)),
      onDone: cb,
    });
  }

  /** Sloppy lookup of one level: stops at the first node with values (get) or before a full and loaded one (put). */
  private walk(level: number, key: NodeId, body: Body, seeds: Array<{ contact: Contact; depth: number }>, cb: (o: LookupOutcome) => void): void {
    this.touch(level, key);
    iterativeLookup({
      self: this.id,
      target: key,
      // Values sit on the few closest eligible nodes: the walk need not confirm k of them.
      k: this.config.storeReplicas + 1,
      alpha: this.config.walkAlpha,
      bitsPerHop: this.config.bitsPerHop,
      seeds,
      query: (c, done) =>
        this.call(c, body, (r) => {
          if (!r) return done(null);
          const reply = toQueryReply(r);
          if (reply) (reply as QueryReplyWithSender).clusters = r.clusters;
          done(reply);
        }),
      onDone: cb,
    });
  }

  // ---------------------------------------------------------------- Coral API

  private checkLevels(levels: number[] | undefined): number[] {
    const all = this.tables.map((_, i) => i);
    const out = levels ?? all;
    for (const l of out) if (!Number.isInteger(l) || l < 0 || l >= this.tables.length) throw new IndexError(INDEX_ERRORS.badLevel, String(l));
    return out;
  }

  private checkKey(key: Uint8Array): void {
    if (!(key instanceof Uint8Array) || key.length !== ID_BYTES) throw new IndexError(INDEX_ERRORS.badKey, 'keys are 20 bytes');
  }

  /** Stores value under key at each level (all by default) on the closest nodes a sloppy walk allows. */
  put(key: NodeId, value: Uint8Array, ttlMs: number, levels?: number[]): Promise<PutResult> {
    this.checkKey(key);
    if (value.length > this.config.maxValueBytes) return Promise.reject(new IndexError(INDEX_ERRORS.valueTooLarge));
    if (!(ttlMs > 0 && ttlMs <= this.config.maxTtlMs)) return Promise.reject(new IndexError(INDEX_ERRORS.badTtl));
    const lv = this.checkLevels(levels);
    const now = this.clock.now();
    const rec: OwnPut = { key, value, ttlMs, expiresAtMs: now + ttlMs, levels: lv, lastPutMs: now, storedAt: [] };
    this.ownPuts.set(idKey(key) + idKey(value), rec);
    return new Promise((resolve) => this.putOnce(rec, resolve));
  }

  private putOnce(rec: OwnPut, done: (r: PutResult) => void): void {
    const ttlMs = Math.max(1, rec.expiresAtMs - this.clock.now());
    let left = rec.levels.length;
    const storedAt: Contact[] = [];
    rec.storedAt = [];
    for (const level of rec.levels) {
      this.putAtLevel(level, rec.key, rec.value, ttlMs, (where) => {
        for (const c of where) {
          storedAt.push(c);
          rec.storedAt.push({ level, contact: c });
        }
        if (--left === 0) done({ storedAt, levels: rec.levels });
      });
    }
  }

  private putAtLevel(level: number, key: NodeId, value: Uint8Array, ttlMs: number, cb: (where: Contact[]) => void): void {
    this.walk(level, key, { t: 'putWalk', level, key, ttlMs }, this.seedsFor(level, key), (o) => {
      const targets = o.responded.filter((p) => !p.reply?.halt).slice(0, this.config.storeReplicas);
      if (targets.length === 0) return cb([this.storeLocally(level, key, value, ttlMs)]);
      const where: Contact[] = [];
      let left = targets.length;
      for (const p of targets) {
        this.call(p.contact, { t: 'store', level, key, ttlMs, value }, (r) => {
          if (r && r.body.t === 'stored' && r.body.status === STORE_STATUS.stored) where.push(p.contact);
          if (--left === 0) cb(where.length ? where : [this.storeLocally(level, key, value, ttlMs)]);
        });
      }
    });
  }

  /** Every hop was full and loaded (or no one answered): Coral backtracks to the previous node, here us. */
  private storeLocally(level: number, key: NodeId, value: Uint8Array, ttlMs: number): Contact {
    const now = this.clock.now();
    this.stores[level].put(key, value, ttlMs, now);
    this.stats.putsStoredLocally++;
    this.onStore?.(level, key, now);
    return { id: this.id, address: this.address, services: this.services, rttMs: selfContactRtt };
  }

  /** Searches the tightest cluster first, then continues outward from the point it reached. */
  get(key: NodeId, levels?: number[]): Promise<GetResult> {
    this.checkKey(key);
    const order = this.checkLevels(levels)
      .slice()
      .sort((a, b) => b - a);
    const startMs = this.clock.now();
    return new Promise((done) => {
      const resolve = (r: Omit<GetResult, 'elapsedMs'>) => done({ ...r, elapsedMs: this.clock.now() - startMs });
      let hops = 0;
      let carried: Array<{ contact: Contact; clusters?: ClusterAdvert[] }> = [];
      const step = (i: number) => {
        if (i === order.length) return resolve({ values: [], level: -1, hops });
        const level = order[i];
        const local = this.stores[level].get(key, this.config.maxValuesPerGet, this.clock.now());
        if (local.length) return resolve({ values: local, level, hops });
        const seeds = this.seedsFor(level, key);
        for (const p of carried) {
          const advert = level === 0 ? undefined : p.clusters?.[level - 1];
          if (level === 0 || advert?.id === this.clusters[level - 1].id) seeds.push({ contact: p.contact, depth: 1 });
        }
        const body: Body = { t: 'findValue', level, key, maxValues: this.config.maxValuesPerGet };
        this.walk(level, key, body, seeds, (o) => {
          const by = o.finishedBy;
          if (by?.reply?.done) {
            const r = by.reply as QueryReplyWithSender;
            return resolve({ values: r.values ?? [], level, hops: hops + o.hops });
          }
          hops += o.hops;
          carried = o.responded.slice(0, this.config.k).map((p) => ({ contact: p.contact, clusters: (p.reply as QueryReplyWithSender).clusters }));
          step(i + 1);
        });
      };
      step(0);
    });
  }

  /** Best-effort withdrawal of value from the nodes this node stored it on. */
  remove(key: NodeId, value: Uint8Array): Promise<number> {
    this.checkKey(key);
    const id = idKey(key) + idKey(value);
    const rec = this.ownPuts.get(id);
    this.ownPuts.delete(id);
    let removed = 0;
    for (const s of this.stores) removed += s.remove(key, value);
    if (!rec) return Promise.resolve(removed);
    return new Promise((resolve) => {
      let left = rec.storedAt.length;
      if (left === 0) return resolve(removed);
      for (const { level, contact } of rec.storedAt) {
        const finish = () => {
          if (--left === 0) resolve(removed);
        };
        if (idEquals(contact.id, this.id)) {
          finish();
          continue;
        }
        this.call(contact, { t: 'remove', level, key, value }, (r) => {
          if (r && r.body.t === 'removed') removed += r.body.count;
          finish();
        });
      }
    });
  }

  /** Up to count contacts of a level, nearest to target (a NodeId by XOR, an IP string by RTT/address), with all `services` bits. */
  nodes(level: number, count: number, target?: NodeId | string, services = 0): Contact[] {
    if (!Number.isInteger(level) || level < 0 || level >= this.tables.length) throw new IndexError(INDEX_ERRORS.badLevel, String(level));
    const filter = (c: Contact) => (c.services & services) === services;
    const table = this.tables[level];
    const strip = (c: Contact): Contact => ({ id: c.id, address: c.address, services: c.services, rttMs: c.rttMs });
    if (target instanceof Uint8Array) return table.closest(target, count, filter).map(strip);
    const all = table.all().filter(filter);
    return nearestByAddress(all, target, count).map(strip);
  }

  levels(): LevelInfo[] {
    const out: LevelInfo[] = [{ level: 0, clusterId: 0, size: this.tables[0].estimateNetworkSize(), rttThresholdMs: Infinity }];
    for (const m of this.clusters) out.push({ level: m.level, clusterId: m.id, size: this.tables[m.level].estimateNetworkSize(), rttThresholdMs: m.rttThresholdMs });
    return out;
  }

  // ---------------------------------------------------------------- application RPCs

  handle(command: string, handler: AppHandler): void {
    if (!/^[\x20-\x7e]{1,64}$/.test(command)) throw new IndexError(INDEX_ERRORS.badAddress, 'command names are 1-64 printable ASCII chars');
    this.appHandlers.set(command, handler);
  }

  request(to: Contact | Address, command: string, payload: Uint8Array, timeoutMs = this.config.rpcTimeoutMs): Promise<Uint8Array> {
    if (payload.length > this.config.maxAppPayloadBytes) return Promise.reject(new IndexError(INDEX_ERRORS.payloadTooLarge));
    const address = typeof to === 'string' ? to : to.address;
    return new Promise((resolve, reject) => {
      this.engine.request(address, { t: 'app', name: command, payload }, timeoutMs, (r) => {
        if (!r) return reject(new IndexError(INDEX_ERRORS.timeout, address));
        if (r.body.t === 'appReply') return resolve(r.body.payload);
        if (r.body.t === 'error') {
          const code = (Object.values(INDEX_ERRORS) as string[]).includes(r.body.code) ? r.body.code : INDEX_ERRORS.handlerFailed;
          return reject(new IndexError(code as typeof INDEX_ERRORS.handlerFailed));
        }
        reject(new IndexError(INDEX_ERRORS.handlerFailed, 'unexpected reply'));
      });
    });
  }

  // ---------------------------------------------------------------- maintenance

  private scheduleTick(ms: number): void {
    this.tickTimer = this.clock.setTimeout(() => this.tick(), ms);
  }

  /** One periodic tick drives all maintenance: expiry, bucket refresh, republish, clusters. */
  private tick(): void {
    if (!this.running) return;
    const now = this.clock.now();
    for (const s of this.stores) s.expire(now);
    for (let level = 0; level < this.tables.length; level++) this.refreshOneBucket(level, now);
    for (const [id, rec] of this.ownPuts) {
      if (rec.expiresAtMs <= now) this.ownPuts.delete(id);
      else if (now - rec.lastPutMs >= this.config.republishIntervalMs) {
        rec.lastPutMs = now;
        this.putOnce(rec, () => {});
      }
    }
    // A node still alone in a cluster looks again every tick: it has nothing to lose by moving.
    const alone = this.clusters.some((m) => this.tables[m.level].size === 0);
    if (alone || now - this.lastClusterEvalMs >= this.config.clusterEvalIntervalMs) this.evaluateClusters(() => this.refreshHeader(), true);
    // Members leaving for another cluster say so (leave, and the new cluster in their header), and
    // each departure is a sample of where they went: look again at the next tick, without probing,
    // so an abandoned cluster empties in minutes instead of one 5-minute period per wave. A node
    // whose cluster table holds under k members is in a small cluster: it also looks again at every
    // tick (from the samples it has, no probes), so the last members of a dying cluster move as
    // soon as they hear of their region's cluster, not up to a period later.
    else if (this.memberMoved || this.inSmallCluster()) this.evaluateClusters(() => this.refreshHeader(), false, false, false);
    this.memberMoved = false;
    this.refreshHeader();
    this.scheduleTick(this.config.maintenanceIntervalMs);
  }

  private inSmallCluster(): boolean {
    return this.clusters.some((m) => this.tables[m.level].size < this.config.k);
  }

  /** Fresh RTT and cluster samples before re-evaluating: ping our nearest and a few random contacts. */
  private probeClusters(done: () => void): void {
    const all = this.tables[0].all();
    const n = this.config.clusterProbes;
    // Nearest measured contacts first, then unmeasured ones (they may be our neighbours: the
    // first nodes of a network learn most contacts from requests, which carry no RTT).
    const near = all.filter((c) => c.rttMs !== undefined).sort((a, b) => a.rttMs! - b.rttMs!);
    const pick = new Set(near.slice(0, Math.ceil(n / 2)));
    for (const c of all) if (c.rttMs === undefined && pick.size < Math.ceil(n * 0.75)) pick.add(c);
    for (let i = 0; i < n && pick.size < n && all.length; i++) pick.add(all[Math.floor(this.rng() * all.length)]);
    // Two members of each cluster table: one that moved to another cluster answers with its new
    // advert and leaves our table, so stale members do not inflate our size estimate.
    for (let l = 1; l < this.tables.length; l++) {
      const members = this.tables[l].all();
      for (let i = 0; i < 2 && members.length; i++) pick.add(members[Math.floor(this.rng() * members.length)]);
    }
    // A node that knows no near node, or whose cluster is small, may not have met its region's
    // cluster at all (Kademlia tables ignore geography): it meets a fresh set of nodes first.
    const next = () => (this.hasNearContact() && !this.inSmallCluster() ? this.enrichSamples(done) : this.meetMoreNodes(() => this.enrichSamples(done)));
    const ping = [...pick].filter((c) => !this.heardLately(c));
    let left = ping.length;
    if (left === 0) return next();
    for (const c of ping) this.call(c, { t: 'ping' }, () => --left === 0 && next());
  }

  /**
   * True when a probe would teach us nothing: the contact spoke to us within this evaluation period
   * (so its cluster adverts are current), we measured its RTT, and every level holds its sample.
   * Coral learns RTTs from ordinary traffic; probes are for contacts we have not heard from.
   */
  private heardLately(c: Contact): boolean {
    const key = idKey(c.id);
    // A cluster member may be missing from a full level-0 bucket: its cluster-table entry counts too.
    let e: RoutingEntry | undefined;
    for (let i = 0; i < this.tables.length && !e; i++) e = this.tables[i].get(c.id, key);
    if (!e || e.rttMs === undefined || this.clock.now() - e.lastSeenMs >= this.config.clusterEvalIntervalMs) return false;
    for (const m of this.clusters) if (!m.hasSample(key)) return false;
    return true;
  }

  /** Any level-0 contact measured under the loosest cluster threshold? */
  private hasNearContact(): boolean {
    const threshold = Math.max(0, ...this.config.rttThresholdsMs);
    for (const c of this.tables[0].all()) if (c.rttMs !== undefined && c.rttMs < threshold) return true;
    return this.clusters.length === 0;
  }

  /**
   * Kademlia tables ignore geography: a node can end up knowing nobody nearby, and then never
   * hears of its own region's cluster. A lookup of a random id meets a fresh set of nodes.
   */
  private meetMoreNodes(done: () => void): void {
    this.findClosest(0, randomId(this.rng), () => done());
  }

  /**
   * For near-looking clusters with too few samples to judge, ask one member for a few more members
   * of its cluster and ping them: merging clusters then takes one evaluation, not many.
   */
  private enrichSamples(done: () => void): void {
    const asks: Array<{ level: number; via: Contact }> = [];
    const census = this.lazyCensus();
    for (const m of this.clusters) for (const u of m.undersampled(2, () => census()[m.level - 1])) asks.push({ level: m.level, via: u.via });
    let left = asks.length;
    if (left === 0) return done();
    const finish = () => --left === 0 && done();
    for (const a of asks) {
      this.call(a.via, { t: 'findNode', level: a.level, target: this.id }, (r) => {
        if (!r || r.body.t !== 'nodes') return finish();
        const more = r.body.contacts.filter((c) => !idEquals(c.id, this.id)).slice(0, this.config.clusterMinSamples);
        let pending = more.length;
        if (pending === 0) return finish();
        for (const c of more) this.call(c, { t: 'ping' }, () => --pending === 0 && finish());
      });
    }
  }

  private refreshOneBucket(level: number, now: number): void {
    const t = this.tables[level];
    const depth = Math.min(t.depth(), ID_BITS - 1);
    for (let i = 0; i <= depth; i++) {
      if (now - t.touchedMs[i] < this.config.refreshIntervalMs) continue;
      this.findClosest(level, randomIdInBucket(this.id, i, this.rng), () => {});
      return;
    }
  }

  /** Cluster sizes per level (index level - 1) counted through our level-0 table, on first use. */
  private lazyCensus(): () => Map<number, number>[] {
    let sizes: Map<number, number>[] | undefined;
    return () => (sizes ??= clusterCensus(this.tables[0], this.clusters.length, this.tables[0].estimateNetworkSize()));
  }

  private refreshHeader(): void {
    this.headerCache = this.buildHeader();
  }

  /** Re-evaluates membership at every cluster level; joins a new cluster's DHT by a self-lookup in it. */
  evaluateClusters(done: () => void, probe = false, joining = false, periodic = true, confirmed = false): void {
    // The period counts from the start of an evaluation (probing takes a moment of its own).
    if (periodic) this.lastClusterEvalMs = this.clock.now();
    if (probe) return this.probeClusters(() => this.evaluateClusters(done, false, joining, false, true));
    if (!confirmed) {
      // Leaving on samples we did not just take (the bootstrap ping, a reply while the member was
      // busy): measure the far-looking members once more first.
      const doubtful = new Map<string, Contact>();
      for (const m of this.clusters) for (const c of m.farMembersIfLeaving()) doubtful.set(idKey(c.id), c);
      if (doubtful.size > 0) {
        let waiting = doubtful.size;
        for (const c of doubtful.values()) this.call(c, { t: 'ping' }, () => --waiting === 0 && this.evaluateClusters(done, false, joining, false, true));
        return;
      }
    }
    const now = this.clock.now();
    let left = this.clusters.length;
    if (left === 0) return done();
    const finish = () => {
      if (--left === 0) done();
    };
    const census = this.lazyCensus();
    for (const m of this.clusters) {
      const sizes = () => census()[m.level - 1];
      // A newcomer still alone in its cluster takes a provisional pick; one that others already joined
      // (every seed of a small network joins at once) keeps its members unless evaluate() says move.
      const choice = m.evaluate(sizes, now) ?? (joining && this.tables[m.level].size === 0 ? m.provisional(sizes, now) : null);
      if (!choice) {
        finish();
        continue;
      }
      m.switchTo(choice);
      this.stats.clusterSwitches++;
      const formerMembers = this.tables[m.level].all();
      this.tables[m.level].clear();
      // Seed the new cluster's table with the members we measured (so the size we advertise from
      // it is a measurement, not 1), then look ourselves up in it. Half of k confirmed is enough
      // here: cluster tables keep filling from ordinary traffic.
      for (const c of choice.via) this.tables[m.level].observe(c, now);
      // Tell the old cluster's members, or they keep counting us (and overestimate its size); the
      // header already names the cluster we moved to, so they learn of it too.
      this.refreshHeader();
      for (const c of formerMembers) this.engine.oneWay(c.address, { t: 'leave', levels: 1 << m.level });
      if (choice.via.length === 0) {
        finish();
        continue;
      }
      const seeds = choice.via.slice(0, this.config.k).map((contact) => ({ contact, depth: 1 }));
      this.findClosest(m.level, this.id, () => finish(), seeds, Math.ceil(this.config.k / 2));
    }
  }
}

type QueryReplyWithSender = QueryReply & { values?: Uint8Array[]; clusters?: ClusterAdvert[] };

function toQueryReply(r: Message): QueryReplyWithSender | null {
  const b = r.body;
  if (b.t === 'values') return { contacts: b.contacts, done: b.values.length > 0, values: b.values };
  if (b.t === 'walked') return { contacts: b.contacts, halt: b.fullAndLoaded };
  return null;
}
