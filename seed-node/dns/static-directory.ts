// A SeedDirectory over a fixed seed list: liveness from a LivenessTracker, proximity from per-prefix
// hints (which resolver prefixes sit in which cluster) and probed RTTs. Used by tests and benches,
// and usable by a small deployment with hand-written config.
import { BlockList, isIPv6 } from 'node:net';
import { systemClock, type Clock } from '../../shared/clock';
import type { SeedClusters, SeedDirectory, SeedInfo, SeedService } from './directory';
import type { LivenessTracker } from './liveness';
import { idLabel } from './name';

export interface PrefixHint {
  /** e.g. "192.0.2.0/24" or "2001:db8::/32" */
  cidr: string;
  clusters: SeedClusters;
}

export class StaticSeedDirectory implements SeedDirectory {
  private seeds: SeedInfo[];
  /** Bumped by setSeeds(); added to the liveness tracker's counter (both only grow). */
  private generation = 0;
  private readonly hints: Array<{ list: BlockList; clusters: SeedClusters }>;

  constructor(
    private readonly opts: { self: SeedInfo; seeds: SeedInfo[]; liveness: LivenessTracker; prefixHints?: PrefixHint[]; clock?: Pick<Clock, 'now'> },
  ) {
    this.seeds = opts.seeds.filter((s) => s.id !== opts.self.id);
    this.hints = (opts.prefixHints ?? []).map((h) => {
      const [addr, bits] = h.cidr.split('/');
      const list = new BlockList();
      list.addSubnet(addr, Number(bits), isIPv6(addr) ? 'ipv6' : 'ipv4');
      return { list, clusters: h.clusters };
    });
  }

  setSeeds(seeds: SeedInfo[]): void {
    this.seeds = seeds.filter((s) => s.id !== this.opts.self.id);
    this.generation++;
  }

  version(): number {
    return this.generation + this.opts.liveness.version();
  }

  /** liveSeeds() and clusterOf() depend on the resolver only through its clusters. */
  localityKey(ip: string): string {
    const c = this.clusterOf(ip);
    return JSON.stringify([c.l1 ?? null, c.l2 ?? null]);
  }

  self(): SeedInfo {
    return { ...this.opts.self, lastSeenMs: (this.opts.clock ?? systemClock).now(), rttMs: 0 };
  }

  liveSeeds(q: { near?: string; count: number; service: SeedService }): SeedInfo[] {
    const near = q.near ? this.clusterOf(q.near) : {};
    const { liveness } = this.opts;
    const live = [this.self(), ...this.seeds.filter((s) => liveness.isLive(s.id)).map((s) => ({ ...s, lastSeenMs: liveness.lastSeenMs(s.id) ?? s.lastSeenMs, rttMs: liveness.rttMs(s.id) ?? s.rttMs }))];
    return live
      .filter((s) => (q.service === 'proxy' ? s.httpPort > 0 : s.dnsPort > 0) && (s.ipv4 || s.ipv6))
      .sort((a, b) => clusterScore(b, near) - clusterScore(a, near) || (a.rttMs ?? Infinity) - (b.rttMs ?? Infinity) || (a.id < b.id ? -1 : 1))
      .slice(0, q.count);
  }

  seedByLabel(label: string): SeedInfo | undefined {
    if (idLabel(this.opts.self.id) === label) return this.self();
    const s = this.seeds.find((x) => idLabel(x.id) === label);
    return s && this.opts.liveness.isLive(s.id) ? s : undefined;
  }

  clusterOf(ip: string): SeedClusters {
    const family = isIPv6(ip) ? 'ipv6' : 'ipv4';
    return this.hints.find((h) => h.list.check(ip, family))?.clusters ?? {};
  }
}

/** 2 when a seed shares the resolver's L2 cluster, 1 for the L1 cluster, 0 otherwise. */
export function clusterScore(seed: { clusters: SeedClusters }, near: SeedClusters): number {
  if (near.l2 && seed.clusters.l2 === near.l2) return 2;
  if (near.l1 && seed.clusters.l1 === near.l1) return 1;
  return 0;
}
