// Choosing which live seeds go into an answer: near the resolver first, load spread within the
// near-enough set, nameservers of the resolver's own cluster first.
import type { DnsLimits } from './defaults';
import type { SeedInfo } from './directory';
import { idLabel, type ClusterLabels } from './name';

export type Family = 'ipv4' | 'ipv6';

/** 2 when a seed sits in the named L2 cluster, 1 for the L1 cluster, else 0. */
export function clusterMatch(seed: SeedInfo, cluster: ClusterLabels | undefined): number {
  if (!cluster) return 0;
  if (idLabel(seed.clusters.l1 ?? '') !== cluster.l1 || !seed.clusters.l1) return 0;
  return cluster.l2 && seed.clusters.l2 && idLabel(seed.clusters.l2) === cluster.l2 ? 2 : 1;
}

/** Stable: seeds of the named cluster first, otherwise the directory's (nearest-first) order. */
export function preferCluster(seeds: SeedInfo[], cluster: ClusterLabels | undefined): SeedInfo[] {
  if (!cluster) return seeds;
  return seeds.map((s, i) => ({ s, i, m: clusterMatch(s, cluster) })).sort((a, b) => b.m - a.m || a.i - b.i).map((x) => x.s);
}

/**
 * Up to maxAnswers proxies with an address of `family`. The near-enough set is the longest prefix of
 * the ordered candidates in the best cluster tier (the named cluster's own seeds, when it has any)
 * whose RTT stays within nearRttFactor × best + slack, extended to minAnswers; a random subset of it
 * is returned in random order, so load spreads over every near proxy.
 */
export function pickProxies(ordered: SeedInfo[], family: Family, limits: Pick<DnsLimits, 'minAnswers' | 'maxAnswers' | 'nearRttFactor' | 'nearRttSlackMs'>, rng: () => number, cluster?: ClusterLabels): SeedInfo[] {
  const withAddr = ordered.filter((s) => s[family]);
  if (withAddr.length === 0) return [];
  const tier = clusterMatch(withAddr[0], cluster);
  const best = withAddr[0].rttMs ?? 0;
  const bound = best * limits.nearRttFactor + limits.nearRttSlackMs;
  let n = 1;
  while (n < withAddr.length && clusterMatch(withAddr[n], cluster) === tier && (withAddr[n].rttMs ?? best) <= bound) n++;
  n = Math.min(withAddr.length, Math.max(n, limits.minAnswers));
  const near = withAddr.slice(0, n);
  for (let i = near.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [near[i], near[j]] = [near[j], near[i]];
  }
  return near.slice(0, limits.maxAnswers);
}
