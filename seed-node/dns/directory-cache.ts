// Answers are per query but the directory's view changes slowly: memoize its answers for a fraction
// of a second per (resolver, count, service). Keeps the hot path cheap whatever the directory costs;
// the staleness adds at most `directoryCacheMs` to the 15 s liveness bound.
import type { Clock } from '../../shared/clock';
import type { SeedClusters, SeedDirectory, SeedInfo, SeedService } from './directory';
import { idLabel } from './name';

export class DirectoryCache implements SeedDirectory {
  private readonly seeds = new Map<string, { untilMs: number; value: SeedInfo[] }>();
  private readonly clusters = new Map<string, { untilMs: number; value: SeedClusters }>();
  readonly clusterOf?: (ip: string) => SeedClusters;

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

  private memo<V>(m: Map<string, { untilMs: number; value: V }>, key: string, compute: () => V): V {
    const now = this.clock.now();
    const hit = m.get(key);
    if (hit && hit.untilMs > now) return hit.value;
    // Bounded: a flood of distinct sources only ever costs one table's worth of memory.
    if (m.size >= this.maxEntries) m.clear();
    const value = compute();
    m.set(key, { untilMs: now + this.ttlMs, value });
    return value;
  }
}
