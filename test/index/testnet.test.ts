// The whole node on the in-memory network in virtual time: Coral's API, sloppy storage under a
// hot key, cluster formation under a 3-region RTT model, authentication, churn.
import { describe, expect, it } from 'vitest';
import { createHmacAuthenticator } from '../../shared/index/auth';
import { SERVICES } from '../../shared/index/config';
import { idEquals, idKey, randomId } from '../../shared/index/id';
import { CoralNode } from '../../shared/index/node';
import { runSimulation } from '../../shared/index/sim/scenario';
import { createTestnet } from '../../shared/index/sim/testnet';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe('CoralNode on a testnet', () => {
  it('puts, gets from the tightest level, removes, and serves the Coral API', async () => {
    const tn = await createTestnet(120, { seed: 5, init: { k: 8 }, warmupNodes: 20 });
    await tn.run(6 * 60_000);
    const [a, b] = [tn.nodes[10], tn.nodes[90]];
    const key = randomId(tn.rng);
    const put = a.put(key, enc('holder-a'), 600_000);
    await tn.run(5000);
    expect((await put).storedAt.length).toBeGreaterThan(0);
    const got = b.get(key);
    await tn.run(5000);
    const r = await got;
    expect(r.values.map(dec)).toEqual(['holder-a']);
    expect(r.hops).toBeLessThanOrEqual(Math.ceil(Math.log2(120)));
    // Level restriction: a get at level 0 only still finds it.
    const g0 = b.get(key, [0]);
    await tn.run(5000);
    expect((await g0).level).toBe(0);
    // Withdrawal reaches the nodes that stored it.
    const removed = a.remove(key, enc('holder-a'));
    await tn.run(5000);
    expect(await removed).toBeGreaterThan(0);
    const after = b.get(key);
    await tn.run(5000);
    expect((await after).values).toEqual([]);

    expect(a.levels().map((l) => l.level)).toEqual([0, 1, 2]);
    expect(a.levels()[2].rttThresholdMs).toBe(20);
    const near = a.nodes(0, 5, key);
    expect(near.length).toBe(5);
    expect(a.nodes(2, 50).every((c) => tn.network.regionOf(c.address) === tn.network.regionOf(a.address))).toBe(true);
    expect(a.nodes(0, 10, undefined, SERVICES.dns)).toEqual([]);
    tn.teardown();
  }, 60_000);

  it('carries application RPCs and reports handler failures by code', async () => {
    const tn = await createTestnet(10, { seed: 6, init: { k: 8 } });
    const [a, b] = [tn.nodes[0], tn.nodes[7]];
    b.handle('relay', (from, payload) => enc(`${dec(payload)} from ${idEquals(from.id, a.id) ? 'a' : '?'}`));
    b.handle('boom', () => {
      throw new Error('no');
    });
    const ok = a.request(b.address, 'relay', enc('hi'));
    const bad = a.request(b.address, 'boom', enc('')).catch((e: unknown) => e);
    const none = a.request(b.address, 'missing', enc('')).catch((e: unknown) => e);
    await tn.run(2000);
    expect(dec(await ok)).toBe('hi from a');
    expect(await bad).toMatchObject({ code: 'index-handler-failed' });
    expect(await none).toMatchObject({ code: 'index-no-handler' });
    tn.teardown();
  });

  it('stops put walks before full and loaded nodes, spreading a hot key', async () => {
    const stores = new Map<string, number>();
    const tn = await createTestnet(150, { seed: 7, init: { k: 8 } });
    await tn.run(60_000);
    const hot = randomId(tn.rng);
    for (const n of tn.nodes) {
      // Count stores of the hot key per node (level 0).
      const orig = n.stores[0].put.bind(n.stores[0]);
      n.stores[0].put = (key, value, ttl, now) => {
        if (idKey(key) === idKey(hot)) stores.set(n.address, (stores.get(n.address) ?? 0) + 1);
        return orig(key, value, ttl, now);
      };
    }
    // Every node puts the hot key within one minute.
    for (const n of tn.nodes) tn.clock.setTimeout(() => void n.put(hot, enc(n.address), 600_000, [0]), tn.rng() * 60_000);
    await tn.run(70_000);
    const root = [...tn.nodes].sort((x, y) => {
      for (let i = 0; i < 20; i++) if ((x.id[i] ^ hot[i]) !== (y.id[i] ^ hot[i])) return (x.id[i] ^ hot[i]) - (y.id[i] ^ hot[i]);
      return 0;
    })[0];
    const rootStores = stores.get(root.address) ?? 0;
    // The root takes a few (until full and loaded), the rest land on nodes before it.
    expect(rootStores).toBeGreaterThanOrEqual(4);
    expect(rootStores).toBeLessThan(40);
    expect(stores.size).toBeGreaterThan(10);
    // A get still finds values, from wherever it first meets them.
    const g = tn.nodes[3].get(hot, [0]);
    await tn.run(3000);
    expect((await g).values.length).toBeGreaterThan(0);
    tn.teardown();
  }, 60_000);

  it('forms one cluster per region at levels 1 and 2 under a 3-region RTT model', async () => {
    const tn = await createTestnet(240, { seed: 8, init: { k: 8 }, warmupNodes: 30 });
    await tn.run(16 * 60_000);
    // Regions are 120 ms apart: at level 1 (60 ms) as at level 2 (20 ms), one cluster per region.
    for (const level of [1, 2]) {
      const byCluster = new Map<number, Set<number>>();
      for (const n of tn.nodes) {
        const set = byCluster.get(n.clusters[level - 1].id) ?? new Set();
        set.add(tn.network.regionOf(n.address));
        byCluster.set(n.clusters[level - 1].id, set);
      }
      expect(byCluster.size).toBe(3);
      for (const regions of byCluster.values()) expect(regions.size).toBe(1);
    }
    tn.teardown();
  }, 90_000);

  it('probes before a cluster re-evaluation only the contacts it has not heard from lately', async () => {
    const tn = await createTestnet(40, { seed: 11, init: { k: 8 }, warmupNodes: 10 });
    for (const n of tn.nodes) n.handle('echo', (_from, p) => p);
    await tn.run(12 * 60_000);
    const a = tn.nodes[20];
    const probe = async () => {
      const before = a.sentByType.ping ?? 0;
      a.evaluateClusters(() => {}, true);
      await tn.run(5000);
      return (a.sentByType.ping ?? 0) - before;
    };
    // Everyone in a's tables answers a request: fresh RTTs and cluster adverts from ordinary traffic.
    const talkToAll = async () => {
      const all = new Map(a.tables.flatMap((t) => t.all()).map((c) => [idKey(c.id), c]));
      const replies = [...all.values()].map((c) => a.request(c, 'echo', enc('hi')).catch(() => null));
      await tn.run(3000);
      await Promise.all(replies);
    };
    await talkToAll();
    expect(await probe()).toBe(0);
    // Past the evaluation period the same contacts are stale again and get probed.
    await tn.run(a.config.clusterEvalIntervalMs);
    expect(await probe()).toBeGreaterThan(0);
    tn.teardown();
  }, 60_000);

  it('seeds that join while their bootstrap node is unresponsive end up in its clusters within seconds', async () => {
    // The first node of a small deployment is busy (or paused) while the others start: their pings go
    // unanswered, so they join alone. They must find it, and agree on one cluster per level, long before
    // the next maintenance tick (30-90 s away), or DNS answers stay split by cluster meanwhile.
    for (const seed of [1, 2, 3, 4]) {
      const tn = await createTestnet(1, { seed, network: { regions: 1 }, bootstrapCount: 1 });
      const [a] = tn.nodes;
      tn.network.setDown(a.address);
      const b = tn.add();
      const c = tn.add();
      await tn.run(2500);
      tn.network.setDown(a.address, false);
      await tn.run(15_000);
      expect([a, b, c].map((n) => n.tables[0].size)).toEqual([2, 2, 2]);
      for (const level of [1, 2]) expect(new Set([a, b, c].map((n) => n.clusters[level - 1].id)).size).toBe(1);
      tn.teardown();
    }
  });

  it('never lets a node with another secret join, and counts what it sends', async () => {
    const tn = await createTestnet(20, { seed: 9, init: { k: 8 } });
    const stranger = tn.add({ authenticator: createHmacAuthenticator('another-deployment') });
    await tn.run(10_000);
    expect(stranger.tables.map((t) => t.size)).toEqual([0, 0, 0]);
    expect(tn.nodes.slice(0, 20).every((n) => !n.tables[0].get(stranger.id))).toBe(true);
    const dropped = tn.nodes.slice(0, 20).reduce((s, n) => s + n.counters.droppedBadMac, 0);
    expect(dropped).toBeGreaterThan(0);
    tn.teardown();
  });

  it('rejoins fast from exported contacts', async () => {
    const tn = await createTestnet(30, { seed: 10, init: { k: 8 } });
    await tn.run(5000);
    const saved = tn.nodes[4].exportContacts();
    expect(saved.length).toBeGreaterThan(5);
    const fresh = new CoralNode({ transport: tn.network.createTransport(0), clock: tn.clock, authenticator: createHmacAuthenticator('reef-testnet') }, { k: 8 });
    const joined = fresh.start(fresh.importContacts(saved));
    await tn.run(5000);
    await joined;
    expect(fresh.tables[0].size).toBeGreaterThan(5);
    fresh.stop();
    tn.teardown();
  });

  it('keeps gets succeeding after 20% of nodes crash and one maintenance period passes', async () => {
    const r = await runSimulation({ nodes: 200, seed: 11, churn: 0.2, lookups: 300, objects: 100, hotMinutes: 0, settleMs: 5 * 60_000, warmupNodes: 20 });
    expect(r.getSuccessRate).toBeGreaterThanOrEqual(0.99);
  }, 90_000);
});
