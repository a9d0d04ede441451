// Answers are per query but the directory's view changes slowly: memoize its answers for a fraction
// of a second per (resolver, count, service). Keeps the hot path cheap whatever the directory costs;
// the staleness adds at most `directoryCacheMs` to the 15 s liveness bound — nothing when the directory
// has a version(): a change drops every memoized answer at once.
import type { Clock } from '../../shared/clock';
import type { SeedClusters, SeedDirectory, SeedInfo, SeedService } from './directory';
import { idLabel } from './name';

export class DirectoryCache implements SeedDirectory {
  private readonly seeds = new Map<string, Memo<SeedInfo[]>>();
  private readonly clusters = new Map<string, Memo<SeedClusters>>();
  private readonly localities = new Map<string, Memo<string>>();
  readonly clusterOf?: (ip: string) => SeedClusters;
  readonly version?: () => number;
  readonly localityKey?: (ip: string) => string;

  constructor(
    private readonly inner: SeedDirectory,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {
    if (inner.clusterOf) {
      const of = inner.clusterOf.bind(inner);
      this.clusterOf = (ip) => this.memo(this.clusters, ip, () => of(ip));
    }
    // Not memoized: the answer cache asks it on every query and must see a change at once.
    if (inner.version) this.version = inner.version.bind(inner);
    if (inner.localityKey) {
      const key = inner.localityKey.bind(inner);
      this.localityKey = (ip) => this.memo(this.localities, ip, () => key(ip));
    }
  }

  self(): SeedInfo {
    return this.inner.self();
  }

  seedByLabel(label: string): SeedInfo | undefined {
    if (this.inner.seedByLabel) return this.inner.seedByLabel(label);
    const self = this.inner.self();
    if (idLabel(self.id) === label) return self;
    return this.liveSeeds({ count: 256, service: 'dns' }).find((s) => idLabel(s.id) === label);
  }

  liveSeeds(q: { near?: string; count: number; service: SeedService }): SeedInfo[] {
    return this.memo(this.seeds, `${q.near ?? ''}|${q.count}|${q.service}`, () => this.inner.liveSeeds(q));
  }

  private memo<V>(m: Map<string, Memo<V>>, key: string, compute: () => V): V {
    const now = this.clock.now();
    const version = this.version?.() ?? 0;
    const hit = m.get(key);
    if (hit && hit.untilMs > now && hit.version === version) return hit.value;
    // Bounded: a flood of distinct sources only ever costs one table's worth of memory.
    if (m.size >= this.maxEntries) m.clear();
    const value = compute();
    m.set(key, { untilMs: now + this.ttlMs, version, value });
    return value;
  }
}

interface Memo<V> {
  untilMs: number;
  version: number;
  value: V;
}
