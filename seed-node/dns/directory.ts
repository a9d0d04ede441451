// What the DNS server needs from its seed: live seeds near a client, and the cluster a resolver belongs to.
// The seed node implements this over the Coral index (`nodes(level, count, target, services)`, `levels()`)
// plus liveness probing; StaticSeedDirectory implements it over a fixed list for tests and benches.

export interface SeedClusters {
  /** Coral level-1 (regional) and level-2 (local) cluster ids; any string, mapped to labels by idLabel(). */
  l1?: string;
  l2?: string;
}

export interface SeedInfo {
  id: string;
  ipv4?: string;
  ipv6?: string;
  /** 0 = this seed runs no HTTP proxy. */
  httpPort: number;
  /** 0 = this seed runs no nameserver. */
  dnsPort: number;
  lastSeenMs: number;
  clusters: SeedClusters;
  /** Round-trip time from this seed, when probed. */
  rttMs?: number;
}

export type SeedService = 'proxy' | 'dns';

export interface SeedDirectory {
  /** This seed (always considered live). */
  self(): SeedInfo;
  /**
   * Live seeds running `service`, nearest to `near` (a resolver IP) first — by shared cluster, then RTT.
   * Must only return seeds heard from within the liveness window (≤ 15 s).
   */
  liveSeeds(opts: { near?: string; count: number; service: SeedService }): SeedInfo[];
  /**
   * A live seed by the label part of its nameserver host `ns-<label>` (see idLabel()). Optional: without
   * it the server searches self() and liveSeeds({ service: 'dns' }).
   */
  seedByLabel?(label: string): SeedInfo | undefined;
  /** The clusters a resolver address belongs to, as far as this seed knows (RTT probes, prefix hints). */
  clusterOf?(ip: string): SeedClusters;
  /**
   * Moves (any change of value) whenever the live seeds, their addresses or the prefix hints change;
   * RTT drift is left to the answer cache's age bound. Lets the server keep encoded answers until then;
   * without it they are kept only `directoryCacheMs`.
   */
  version?(): number;
  /**
   * Resolvers with equal keys get equal liveSeeds()/clusterOf() answers (e.g. their cluster), so they
   * can share cached answers. Without it every resolver address is its own key.
   */
  localityKey?(ip: string): string;
}
