// Iterative lookups against declared topologies, with no network: the per-peer RPC is a function.
import { describe, expect, it } from 'vitest';
import { compareDistance, idEquals, idToHex, randomId } from '../../shared/index/id';
import { iterativeLookup, type LookupOutcome, type QueryReply } from '../../shared/index/lookup/iterative';
import { RoutingTable } from '../../shared/index/routing/table';
import { seededRng } from '../../shared/index/sim/rng';
import type { Contact } from '../../shared/index/types';

/**
 * n nodes with consistent Kademlia tables: each node offered every other node, starting at a
 * random offset, so each bucket holds up to k random members of its subtree. With `sparse`, a
 * node keeps only that many random contacts plus its 8 true neighbours (a poorly joined network).
 */
function topology(n: number, sparse: number | null, seed: number) {
  const rng = seededRng(seed);
  const ids = Array.from({ length: n }, () => randomId(rng));
  const contacts: Contact[] = ids.map((id, i) => ({ id, address: `n${i}`, services: 0 }));
  const tables = ids.map((id) => new RoutingTable(id, { k: 8, replacementsPerBucket: 0, maxContactFailures: 1 }));
  for (let i = 0; i < n; i++) {
    if (sparse === null) {
      const start = Math.floor(rng() * n);
      for (let j = 0; j < n; j++) tables[i].observe(contacts[(start + j) % n], 0);
    } else {
      for (let j = 0; j < sparse; j++) tables[i].observe(contacts[Math.floor(rng() * n)], 0);
      const near = [...contacts].sort((a, b) => compareDistance(a.id, b.id, ids[i])).slice(1, 9);
      for (const c of near) tables[i].observe(c, 0);
    }
  }
  return { rng, ids, contacts, tables, index: new Map(contacts.map((c, i) => [c.address, i])) };
}

function run(t: ReturnType<typeof topology>, from: number, target: Uint8Array, opts: { dead?: Set<number>; alpha?: number; answer?: (i: number) => boolean; bitsPerHop?: number } = {}) {
  let inflight = 0;
  let maxInflight = 0;
  const queue: Array<() => void> = [];
  let outcome: LookupOutcome | undefined;
  iterativeLookup({
    self: t.ids[from],
    target,
    k: 8,
    alpha: opts.alpha ?? 3,
    bitsPerHop: opts.bitsPerHop,
    seeds: t.tables[from].closest(target, 8).map((contact) => ({ contact })),
    query(c, reply) {
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      const i = t.index.get(c.address)!;
      // Replies arrive later (FIFO), as over a network.
      queue.push(() => {
        inflight--;
        if (opts.dead?.has(i)) return reply(null);
        const r: QueryReply = { contacts: t.tables[i].closest(target, 8), done: opts.answer?.(i) };
        reply(r);
      });
    },
    onDone: (o) => (outcome = o),
  });
  while (queue.length) queue.shift()!();
  return { outcome: outcome!, maxInflight };
}

describe('iterative lookup', () => {
  it('finds the true closest node in a 1000-node Kademlia topology, with at most alpha in flight', () => {
    const t = topology(1000, null, 1);
    for (let q = 0; q < 30; q++) {
      const target = randomId(t.rng);
      const from = Math.floor(t.rng() * 1000);
      const truth = t.contacts.filter((_, i) => i !== from).sort((a, b) => compareDistance(a.id, b.id, target));
      const { outcome, maxInflight } = run(t, from, target);
      expect(maxInflight).toBeLessThanOrEqual(3);
      expect(idToHex(outcome.responded[0].contact.id)).toBe(idToHex(truth[0].id));
      expect(outcome.hops).toBeLessThanOrEqual(Math.ceil(Math.log2(1000)));
    }
  });

  it("takes Coral's full route with bitsPerHop: still exact, each hop gaining few bits", () => {
    const t = topology(1000, null, 5);
    let greedyHops = 0;
    let bandHops = 0;
    for (let q = 0; q < 30; q++) {
      const target = randomId(t.rng);
      const from = Math.floor(t.rng() * 1000);
      const truth = t.contacts.filter((_, i) => i !== from).sort((a, b) => compareDistance(a.id, b.id, target));
      const greedy = run(t, from, target).outcome;
      const banded = run(t, from, target, { bitsPerHop: 1 }).outcome;
      expect(idToHex(banded.responded[0].contact.id)).toBe(idToHex(truth[0].id));
      greedyHops += greedy.hops;
      bandHops += banded.hops;
    }
    expect(bandHops).toBeGreaterThan(greedyHops);
  });

  it('routes around dead nodes', () => {
    const t = topology(1000, null, 2);
    const dead = new Set<number>();
    for (let i = 0; i < 1000; i++) if (t.rng() < 0.2) dead.add(i);
    let found = 0;
    for (let q = 0; q < 20; q++) {
      const target = randomId(t.rng);
      let from = Math.floor(t.rng() * 1000);
      while (dead.has(from)) from = (from + 1) % 1000;
      const live = t.contacts.filter((_, i) => i !== from && !dead.has(i)).sort((a, b) => compareDistance(a.id, b.id, target));
      const { outcome } = run(t, from, target, { dead });
      expect(outcome.responded.every((p) => !dead.has(t.index.get(p.contact.address)!))).toBe(true);
      if (idEquals(outcome.responded[0].contact.id, live[0].id)) found++;
    }
    expect(found).toBeGreaterThanOrEqual(19);
  });

  it('stops at the first node that answers (a get hitting values)', () => {
    const t = topology(500, 30, 3);
    const target = randomId(t.rng);
    const holders = new Set(t.contacts.map((_, i) => i).sort((a, b) => compareDistance(t.ids[a], t.ids[b], target)).slice(0, 5));
    const { outcome } = run(t, 0, target, { answer: (i) => holders.has(i) });
    expect(outcome.finishedBy && holders.has(t.index.get(outcome.finishedBy.contact.address)!)).toBe(true);
    expect(outcome.hops).toBe(outcome.finishedBy!.depth);
  });

  it('finishes with no seeds and with every seed dead', () => {
    const t = topology(50, 10, 4);
    let done: LookupOutcome | undefined;
    iterativeLookup({ self: t.ids[0], target: t.ids[1], k: 8, alpha: 3, seeds: [], query: () => {}, onDone: (o) => (done = o) });
    expect(done?.responded).toEqual([]);
    const { outcome } = run(t, 0, t.ids[5], { dead: new Set(t.contacts.map((_, i) => i)) });
    expect(outcome.responded).toEqual([]);
  });
});
