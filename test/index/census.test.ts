// Cluster census: sizes counted through the level-0 table, one stratum per bucket. Exact when the
// table holds every node; extrapolated by subtree size otherwise; blind to how densely a cluster's
// members crowd around our own id, which is what misleads the k-closest size estimate.
import { describe, expect, it } from 'vitest';
import { clusterCensus } from '../../shared/index/clusters/census';
import { randomIdInBucket } from '../../shared/index/id';
import { RoutingTable } from '../../shared/index/routing/table';
import { seededRng } from '../../shared/index/sim/rng';

const limits = { k: 8, replacementsPerBucket: 2, maxContactFailures: 2 };
const self = new Uint8Array(20);

function addContact(t: RoutingTable, bucket: number, clusterIds: number[] | undefined, seenMs: number, rng: () => number): void {
  const id = randomIdInBucket(self, bucket, rng);
  t.observe({ id, address: `10.0.0.1:${t.size + 1}`, services: 0 }, seenMs);
  if (clusterIds) t.get(id)!.clusterIds = clusterIds.map((c) => ({ id: c }));
}

describe('cluster census', () => {
  it('counts members one by one when the table holds the whole network', () => {
    const rng = seededRng(1);
    const t = new RoutingTable(self, limits);
    // 12 contacts in deep buckets (each bucket's subtree is tiny next to the network of 13).
    for (let i = 0; i < 12; i++) addContact(t, 3 + (i % 4), [i < 7 ? 11 : 22, 33], 1000, rng);
    const [level1, level2] = clusterCensus(t, 2, 13);
    expect(level1.get(11)).toBe(7);
    expect(level1.get(22)).toBe(5);
    expect(level2.get(33)).toBe(12);
  });

  it('extrapolates a shallow bucket by its subtree: each contact stands for n / 2^(i+1) / count nodes', () => {
    const rng = seededRng(2);
    const t = new RoutingTable(self, limits);
    // Bucket 0 holds half of a 1,600-node network; 8 contacts there, 6 in cluster 1, 2 in cluster 2.
    for (let i = 0; i < 8; i++) addContact(t, 0, [i < 6 ? 1 : 2], 1000, rng);
    const [census] = clusterCensus(t, 1, 1600);
    expect(census.get(1)).toBeCloseTo(600);
    expect(census.get(2)).toBeCloseTo(200);
  });

  it('ignores contacts that never sent an advert', () => {
    const rng = seededRng(3);
    const t = new RoutingTable(self, limits);
    for (let i = 0; i < 4; i++) addContact(t, 5, [1], 1000, rng);
    addContact(t, 5, undefined, 1000, rng);
    expect([...clusterCensus(t, 1, 6)[0]]).toEqual([[1, 4]]);
  });

  it('is not fooled by members crowded around our id', () => {
    const rng = seededRng(4);
    const t = new RoutingTable(self, limits);
    // A 10,000-node network: 8 far contacts per shallow bucket, most in the region's cluster (1),
    // and 8 members of a small cluster (2) that all share 12+ prefix bits with us.
    for (let b = 0; b < 6; b++) for (let i = 0; i < 8; i++) addContact(t, b, [i < 3 ? 1 : 9], 1000, rng);
    for (let i = 0; i < 8; i++) addContact(t, 12 + (i % 2), [2], 1000, rng);
    const [census] = clusterCensus(t, 1, 10_000);
    expect(census.get(1)!).toBeGreaterThan(3000);
    expect(census.get(2)!).toBeLessThan(20);
  });
});
