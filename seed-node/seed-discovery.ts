// Keeps the DNS server's view of live seeds current from the Coral index: every seed answers an
// authenticated `reef.seed.info` RPC with its ports and clusters; probing the index's contacts with it
// both discovers seeds and measures their liveness and RTT (a silent seed leaves every answer within
// LIVENESS_DEFAULTS.deadAfterMs plus one probe period).
import { isIP } from 'node:net';
import { z } from 'zod';
import { SERVICES } from '../shared/index/config';
import { idToHex } from '../shared/index/id';
import type { CoralNode } from '../shared/index/node';
import type { Clock, Contact } from '../shared/index/types';
import type { SeedClusters, SeedDirectory, SeedInfo, SeedService } from './dns/directory';
import type { LivenessTracker } from './dns/liveness';
import { StaticSeedDirectory, type PrefixHint } from './dns/static-directory';

export const SEED_INFO_COMMAND = 'reef.seed.info';
export const DISCOVERY_DEFAULTS = { probeEveryMs: 2_500, probeTimeoutMs: 1_500, maxProbesPerRound: 64 };

const infoSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{40}$/),
  ipv4: z.string().max(64).optional(),
  ipv6: z.string().max(64).optional(),
  httpPort: z.number().int().min(0).max(65535),
  dnsPort: z.number().int().min(0).max(65535),
  clusters: z.object({ l1: z.string().max(32).optional(), l2: z.string().max(32).optional() }),
});

export function clustersOf(node: CoralNode): SeedInfo['clusters'] {
  const levels = node.levels();
  return { l1: levels[1] ? String(levels[1].clusterId) : undefined, l2: levels[2] ? String(levels[2].clusterId) : undefined };
}

/** The seed's SeedDirectory for DNS: a StaticSeedDirectory rebuilt after every probe round. */
export class SeedDiscovery implements SeedDirectory {
  private readonly known = new Map<string, SeedInfo>();
  private timer: unknown;
  private stopped = false;
  private current: StaticSeedDirectory;
  /** Bumped when a rebuild changes what answers are made of (seeds, their addresses, ports, clusters). */
  private generation = 0;
  private signature = '';

  constructor(
    private readonly node: CoralNode,
    private readonly liveness: LivenessTracker,
    private readonly selfInfo: () => SeedInfo,
    private readonly clock: Clock,
    private readonly opts = DISCOVERY_DEFAULTS,
  ) {
    this.current = this.rebuild();
    node.handle(SEED_INFO_COMMAND, () => new TextEncoder().encode(JSON.stringify(this.selfInfo())));
  }

  start(): void {
    const round = () => {
      if (this.stopped) return;
      void this.probeAll().finally(() => {
        if (!this.stopped) this.timer = this.clock.setTimeout(round, this.opts.probeEveryMs);
      });
    };
    round();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
  }

  /** Resolver prefixes (/24, /64) sharing a seed's address belong to that seed's clusters. */
  prefixHints(): PrefixHint[] {
    return [this.selfInfo(), ...this.known.values()].flatMap((s) => {
      const out: PrefixHint[] = [];
      if (s.ipv4 && isIP(s.ipv4) === 4) out.push({ cidr: `${s.ipv4.split('.').slice(0, 3).join('.')}.0/24`, clusters: s.clusters });
      return out;
    });
  }

  async probeAll(): Promise<void> {
    const want = SERVICES.proxy | SERVICES.dns;
    const contacts = this.node.nodes(0, this.opts.maxProbesPerRound, undefined, 0).filter((c) => (c.services & want) !== 0);
    await Promise.all(contacts.map((c) => this.probe(c)));
    this.current = this.rebuild();
  }

  private rebuild(): StaticSeedDirectory {
    const self = this.selfInfo();
    const seeds = [...this.known.values()];
    // RTTs and last-seen times are left out: liveness has its own version, RTT drift the cache's age bound.
    const signature = JSON.stringify([self, ...seeds].map((x) => [x.id, x.ipv4, x.ipv6, x.httpPort, x.dnsPort, x.clusters.l1, x.clusters.l2]));
    if (signature !== this.signature) {
      this.signature = signature;
      this.generation++;
    }
    return new StaticSeedDirectory({ self, seeds, liveness: this.liveness, prefixHints: this.prefixHints(), clock: this.clock });
  }

  self(): SeedInfo {
    return this.current.self();
  }
  liveSeeds(q: { near?: string; count: number; service: SeedService }): SeedInfo[] {
    return this.current.liveSeeds(q);
  }
  seedByLabel(label: string): SeedInfo | undefined {
    return this.current.seedByLabel(label);
  }
  clusterOf(ip: string): SeedClusters {
    return this.current.clusterOf(ip);
  }
  version(): number {
    return this.generation + this.liveness.version();
  }
  localityKey(ip: string): string {
    return this.current.localityKey(ip);
  }

  private async probe(c: Contact): Promise<void> {
    const id = idToHex(c.id);
    const t0 = this.clock.now();
    try {
      const reply = await this.node.request(c, SEED_INFO_COMMAND, new Uint8Array(0), this.opts.probeTimeoutMs);
      const info = infoSchema.safeParse(JSON.parse(new TextDecoder().decode(reply)));
      if (!info.success || info.data.id !== id) return this.liveness.failed(id);
      const rttMs = this.clock.now() - t0;
      this.known.set(id, { ...info.data, lastSeenMs: this.clock.now(), rttMs });
      this.liveness.heard(id, rttMs);
    } catch {
      this.liveness.failed(id);
    }
  }
}
