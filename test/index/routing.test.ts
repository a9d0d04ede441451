// Routing table: bucket placement, distance order against a brute-force sort, full buckets hand
// back their stalest member to ping, failures evict and promote replacements.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commonPrefixBits, compareDistance, idEquals, randomIdInBucket } from '../../shared/index/id';
import { RoutingTable } from '../../shared/index/routing/table';
import { seededRng } from '../../shared/index/sim/rng';

const limits = { k: 4, replacementsPerBucket: 2, maxContactFailures: 2 };
const arbId = fc.uint8Array({ minLength: 20, maxLength: 20 });
const contact = (id: Uint8Array, i = 0) => ({ id, address: `10.0.0.${i}:1`, services: 0 });

describe('routing table', () => {
  it('returns the closest contacts in XOR order, like a full sort', () => {
    fc.assert(
      fc.property(arbId, fc.array(arbId, { maxLength: 120 }), arbId, fc.integer({ min: 1, max: 30 }), (self, ids, target, count) => {
        const t = new RoutingTable(self, { ...limits, k: 8 });
        ids.forEach((id, i) => t.observe(contact(id, i), i));
        const all = t.all();
        const expected = [...all].sort((a, b) => compareDistance(a.id, b.id, target)).slice(0, count);
        expect(t.closest(target, count).map((c) => c.id)).toEqual(expected.map((c) => c.id));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps at most k per bucket and hands back the stalest member when full', () => {
    const rng = seededRng(7);
    const self = new Uint8Array(20);
    const t = new RoutingTable(self, limits);
    const ids = Array.from({ length: 6 }, () => randomIdInBucket(self, 0, rng));
    for (let i = 0; i < 4; i++) expect(t.observe(contact(ids[i], i), i)).toBeUndefined();
    const stale = t.observe(contact(ids[4], 4), 10);
    expect(stale && idEquals(stale.id, ids[0])).toBe(true);
    expect(t.size).toBe(4);
    // The stale one fails twice: evicted, and the waiting newcomer takes its place.
    t.fail(ids[0]);
    expect(t.size).toBe(4);
    t.fail(ids[0]);
    expect(t.get(ids[0])).toBeUndefined();
    expect(t.get(ids[4])).toBeDefined();
  });

  it('places contacts by common prefix and refreshes a seen contact', () => {
    const rng = seededRng(3);
    const self = new Uint8Array(20).fill(0x55);
    const t = new RoutingTable(self, limits);
    for (const bits of [0, 1, 7, 8, 100, 159]) {
      const id = randomIdInBucket(self, bits, rng);
      expect(commonPrefixBits(self, id)).toBe(bits);
      t.observe(contact(id), 0);
    }
    expect(t.size).toBe(6);
    expect(t.depth()).toBe(160);
    const first = t.all()[0];
    t.observe({ ...contact(first.id), rttMs: 10 }, 5);
    expect(t.get(first.id)?.rttMs).toBe(10);
    expect(t.get(first.id)?.lastSeenMs).toBe(5);
    expect(t.observe(contact(self), 0)).toBeUndefined();
    expect(t.size).toBe(6);
  });

  it('estimates the network size from the spread of the closest contacts', () => {
    const rng = seededRng(11);
    const self = randomIdInBucket(new Uint8Array(20), 0, rng);
    for (const n of [500, 5000]) {
      const t = new RoutingTable(self, { ...limits, k: 20 });
      // A table that knows everyone near it: the n-node network's 20 closest are all present.
      for (let i = 0; i < n; i++) {
        const id = new Uint8Array(20);
        for (let j = 0; j < 20; j++) id[j] = (rng() * 256) | 0;
        t.observe(contact(id, i), 0);
      }
      const est = t.estimateNetworkSize();
      expect(est).toBeGreaterThan(n / 2.5);
      expect(est).toBeLessThan(n * 2.5);
    }
  });
});
