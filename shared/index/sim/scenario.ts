// The measured simulation behind `reef sim` and the index benchmark: join N nodes, let clusters
// settle, put objects, run gets (optionally after crashing a fraction of nodes and waiting one
// maintenance period), then hammer one hot key from every node and count stores per node.
import { idKey, randomId } from '../id';
import type { CoralInit } from '../node';
import type { NodeId } from '../types';
import { createTestnet, type Testnet, type TestnetOptions } from './testnet';

export const SCENARIO_DEFAULTS = {
  nodes: 1000,
  seed: 1,
  regions: 3,
  /** Fraction of nodes that crash after the objects are stored. */
  churn: 0,
  lookups: 2000,
  joinSpacingMs: 20,
  warmupNodes: 60,
  warmupSpacingMs: 2000,
  objects: 500,
  holdersPerObject: 3,
  objectTtlMs: 3600_000,
  /** Virtual time for clusters to settle after the last join (two re-evaluation rounds). */
  settleMs: 11 * 60_000,
  /** Minutes during which every node puts the hot key once a minute (0 = skip). */
  hotMinutes: 2,
  hotTtlMs: 10 * 60_000,
  /** Levels the hot key is put at (the global level is where a hot spot would hurt most). */
  hotLevels: [0] as number[],
  /** Return raw latencies and per-node hot-key loads too (for plots). */
  details: false,
  /** Overrides of the node configuration (k, alpha, ...). */
  init: {} as CoralInit,
};
export type ScenarioOptions = typeof SCENARIO_DEFAULTS;

export interface SimReport {
  nodes: number;
  regions: number;
  seed: number;
  churn: number;
  lookups: number;
  getSuccessRate: number;
  hopsMean: number;
  hopsP99: number;
  level2Eligible: number;
  level2HitRate: number;
  answeredAtLevel: number[];
  maxRootStoresPerMin: number;
  rootStoreBound: number;
  /** Coral's b (0 = greedy walks; the bound then uses b = 1). */
  bitsPerHop: number;
  clusters: number[];
  /** Sizes of the largest clusters at the tightest level (up to 6). */
  topClusterSizes: number[];
  /** Share of nodes whose level-2 cluster's majority region is their own region. */
  clusterRegionPurity: number;
  getLatencyMsMean: number;
  getLatencyMsP50: number;
  getLatencyMsP90: number;
  /** Nodes that stored the hot key at least once. */
  hotKeyHolders: number;
  /** Most RPCs one node received during the hot-key phase, and the mean. */
  hotPhaseMaxRequestsPerNode: number;
  hotPhaseMeanRequestsPerNode: number;
  rpcsPerNode: number;
  cpuSeconds?: number;
  details?: { latenciesMs: number[]; hotStoresPerMinByRank: number[] };
  droppedBadMac: number;
  virtualSeconds: number;
  wallSeconds: number;
}

/** Coral's bound on puts reaching the node closest to a key: beta * (2^b - 1) * ceil(log2(n) / b). */
export function rootStoreBound(beta: number, b: number, n: number): number {
  return beta * (2 ** b - 1) * Math.ceil(Math.log2(Math.max(2, n)) / b);
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

function clusterCounts(tn: Testnet): number[] {
  const alive = tn.alive();
  const levels = alive[0]?.levelCount ?? 1;
  const out = [1];
  for (let l = 1; l < levels; l++) out.push(new Set(alive.map((n) => n.clusters[l - 1].id)).size);
  return out;
}

function topSizes(tn: Testnet): number[] {
  const m = new Map<number, number>();
  for (const n of tn.alive()) {
    const id = n.clusters[n.clusters.length - 1]?.id ?? 0;
    m.set(id, (m.get(id) ?? 0) + 1);
  }
  return [...m.values()].sort((a, b) => b - a).slice(0, 6);
}

function regionPurity(tn: Testnet): number {
  const byCluster = new Map<number, number[]>();
  const alive = tn.alive();
  for (const n of alive) {
    const id = n.clusters[n.clusters.length - 1]?.id ?? 0;
    const counts = byCluster.get(id) ?? new Array(tn.network.options.regions).fill(0);
    counts[tn.network.regionOf(n.address)]++;
    byCluster.set(id, counts);
  }
  let good = 0;
  for (const counts of byCluster.values()) good += Math.max(...counts);
  return alive.length ? good / alive.length : 0;
}

export interface PhaseInfo {
  phase: string;
  wallSeconds: number;
  virtualSeconds: number;
  packets: number;
  requestsByType: Record<string, number>;
  clusters: number[];
}

function phaseInfo(tn: Testnet, phase: string, wall0: number): PhaseInfo {
  const by: Record<string, number> = {};
  for (const n of tn.nodes) for (const [k, v] of Object.entries(n.sentByType)) by[k] = (by[k] ?? 0) + v;
  return { phase, wallSeconds: (performance.now() - wall0) / 1000, virtualSeconds: tn.clock.now() / 1000, packets: tn.network.counters.sent, requestsByType: by, clusters: clusterCounts(tn) };
}

export interface RunHooks {
  testnet?: TestnetOptions;
  onPhase?: (p: PhaseInfo) => void;
  /** Called with the testnet after the last phase, before teardown (diagnostics, tests). */
  inspect?: (tn: Testnet) => void | Promise<void>;
}

export async function runSimulation(opts: Partial<ScenarioOptions> & RunHooks = {}): Promise<SimReport> {
  const phaseLog = (tn: Testnet, label: string, wall0: number) => opts.onPhase?.(phaseInfo(tn, label, wall0));
  const o = { ...SCENARIO_DEFAULTS, ...opts };
  const wall0 = performance.now();
  const hotKey = new Uint8Array(20).fill(0xab);
  const hotKeyId = idKey(hotKey);
  const hotStores = new Map<string, number[]>(); // "node level" -> store times
  const init: CoralInit = { k: 8, ...o.init };
  const tn = await createTestnet(0, { seed: o.seed, ...opts.testnet, network: { regions: o.regions, ...opts.testnet?.network }, init });
  const rng = tn.rng;
  // Per-node store listener: wrap creation so each node's listener knows who it is.
  for (let i = 0; i < o.nodes; i++) {
    const slot: { name?: string } = {};
    const node = tn.add({
      init: {
        ...init,
        onStore: (level, key, nowMs) => {
          if (idKey(key) !== hotKeyId) return;
          const name = `${slot.name} ${level}`;
          const list = hotStores.get(name);
          if (list) list.push(nowMs);
          else hotStores.set(name, [nowMs]);
        },
      },
    });
    slot.name = node.address;
    // A network grows: the first few nodes arrive slowly, so the first clusters settle before the
    // crowd joins them (a flash of simultaneous joins would seed many tiny clusters to merge).
    await tn.run(i < o.warmupNodes ? o.warmupSpacingMs : o.joinSpacingMs);
  }
  phaseLog(tn, 'joined', wall0);
  await tn.run(o.settleMs);
  phaseLog(tn, 'settled', wall0);

  // Objects, each announced by a few holders.
  const objects: Array<{ key: NodeId; holders: string[] }> = [];
  const alive0 = tn.alive();
  for (let i = 0; i < o.objects; i++) {
    const key = randomId(rng);
    const holders = new Set<string>();
    for (let h = 0; h < o.holdersPerObject; h++) holders.add(alive0[Math.floor(rng() * alive0.length)].address);
    objects.push({ key, holders: [...holders] });
  }
  const byAddress = new Map(alive0.map((n) => [n.address, n]));
  for (const obj of objects) for (const h of obj.holders) void byAddress.get(h)!.put(obj.key, new TextEncoder().encode(h), o.objectTtlMs);
  await tn.run(30_000);
  phaseLog(tn, 'objects', wall0);

  if (o.churn > 0) {
    const victims = alive0.filter(() => rng() < o.churn);
    for (const v of victims) tn.crash(v);
    // One maintenance period: every holder republishes, lookups evict the dead.
    const period = alive0[0].config.republishIntervalMs + alive0[0].config.maintenanceIntervalMs;
    await tn.run(period);
  }

  // Gets from random live nodes for objects with a live holder.
  const alive = tn.alive();
  const aliveSet = new Set(alive.map((n) => n.address));
  const candidates = objects.filter((obj) => obj.holders.some((h) => aliveSet.has(h)));
  const hops: number[] = [];
  const latencies: number[] = [];
  let ok = 0;
  let l2Eligible = 0;
  let l2Hit = 0;
  const answeredAtLevel = new Array(alive[0].levelCount).fill(0);
  const pending: Promise<void>[] = [];
  const topLevel = alive[0].levelCount - 1;
  for (let i = 0; i < o.lookups; i++) {
    const requester = alive[Math.floor(rng() * alive.length)];
    const obj = candidates[Math.floor(rng() * candidates.length)];
    const myCluster = requester.clusters[topLevel - 1]?.id;
    const eligible = topLevel > 0 && obj.holders.some((h) => aliveSet.has(h) && byAddress.get(h)!.clusters[topLevel - 1].id === myCluster && h !== requester.address);
    pending.push(
      requester.get(obj.key).then((r) => {
        if (r.values.length) ok++;
        if (r.level >= 0) answeredAtLevel[r.level]++;
        hops.push(r.hops);
        latencies.push(r.elapsedMs);
        if (eligible) {
          l2Eligible++;
          if (r.level === topLevel) l2Hit++;
        }
      }),
    );
    if (i % 20 === 19) await tn.run(50);
  }
  await tn.run(30_000);
  await Promise.all(pending);
  phaseLog(tn, 'gets', wall0);

  // Hot key: every live node puts it once a minute, at a random moment of each minute.
  let maxRoot = 0;
  const perNodeMax = new Map<string, number>();
  const received0 = new Map(alive.map((n) => [n.address, n.counters.requestsReceived]));
  if (o.hotMinutes > 0) {
    const schedule: Array<{ at: number; node: (typeof alive)[number] }> = [];
    const t0 = tn.clock.now();
    for (let m = 0; m < o.hotMinutes; m++) for (const node of alive) schedule.push({ at: t0 + m * 60_000 + rng() * 60_000, node });
    schedule.sort((a, b) => a.at - b.at);
    for (const s of schedule) {
      tn.clock.setTimeout(() => void s.node.put(hotKey, new TextEncoder().encode(s.node.address), o.hotTtlMs, o.hotLevels).catch(() => {}), s.at - t0);
    }
    await tn.run(o.hotMinutes * 60_000 + 30_000);
    phaseLog(tn, 'hot', wall0);
    for (const [name, times] of hotStores) {
      times.sort((a, b) => a - b);
      let j = 0;
      let best = 0;
      for (let i = 0; i < times.length; i++) {
        while (times[i] - times[j] >= 60_000) j++;
        best = Math.max(best, i - j + 1);
      }
      maxRoot = Math.max(maxRoot, best);
      const address = name.slice(0, name.lastIndexOf(' '));
      perNodeMax.set(address, Math.max(perNodeMax.get(address) ?? 0, best));
    }
  }

  hops.sort((a, b) => a - b);
  latencies.sort((a, b) => a - b);
  const hotRequests = alive.map((n) => n.counters.requestsReceived - (received0.get(n.address) ?? 0));
  // Hot-key stores per node-minute, by XOR-distance rank of the node to the key (0 = the root).
  const byRank = [...alive].sort((x, y) => {
    for (let i = 0; i < 20; i++) if ((x.id[i] ^ hotKey[i]) !== (y.id[i] ^ hotKey[i])) return (x.id[i] ^ hotKey[i]) - (y.id[i] ^ hotKey[i]);
    return 0;
  });
  const cfg = alive[0].config;
  const totalRpcs = tn.nodes.reduce((n, x) => n + x.counters.requestsSent, 0);
  const report: SimReport = {
    nodes: o.nodes,
    regions: o.regions,
    seed: o.seed,
    churn: o.churn,
    lookups: o.lookups,
    getSuccessRate: ok / Math.max(1, o.lookups),
    hopsMean: hops.reduce((a, b) => a + b, 0) / Math.max(1, hops.length),
    hopsP99: percentile(hops, 0.99),
    level2Eligible: l2Eligible,
    level2HitRate: l2Eligible ? l2Hit / l2Eligible : 0,
    answeredAtLevel,
    maxRootStoresPerMin: maxRoot,
    rootStoreBound: rootStoreBound(cfg.loadedPutsPerMinute, Math.max(1, cfg.bitsPerHop), alive.length),
    bitsPerHop: cfg.bitsPerHop,
    clusters: clusterCounts(tn),
    topClusterSizes: topSizes(tn),
    clusterRegionPurity: regionPurity(tn),
    getLatencyMsMean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    getLatencyMsP50: percentile(latencies, 0.5),
    getLatencyMsP90: percentile(latencies, 0.9),
    hotKeyHolders: perNodeMax.size,
    hotPhaseMaxRequestsPerNode: Math.max(0, ...hotRequests),
    hotPhaseMeanRequestsPerNode: hotRequests.reduce((a, b) => a + b, 0) / Math.max(1, hotRequests.length),
    rpcsPerNode: totalRpcs / o.nodes,
    droppedBadMac: tn.nodes.reduce((n, x) => n + x.counters.droppedBadMac, 0),
    virtualSeconds: tn.clock.now() / 1000,
    wallSeconds: (performance.now() - wall0) / 1000,
  };
  await opts.inspect?.(tn);
  if (o.details) report.details = { latenciesMs: latencies, hotStoresPerMinByRank: byRank.map((n) => perNodeMax.get(n.address) ?? 0) };
  tn.teardown();
  return report;
}
