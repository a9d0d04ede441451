// The tracker over real WebSockets on 127.0.0.1: the whole protocol, end to end.
import { afterEach, describe, expect, it } from 'vitest';
import { contentKey } from '../../shared/tracker';
import { client, closeAll, peerId, server, sri, until } from './helpers';

afterEach(closeAll);

describe('tracker over WebSocket', () => {
  it('hello returns a welcome with ICE servers, limits and the cluster hint', async () => {
    const s = await server({ config: { iceServers: [{ urls: 'stun:127.0.0.1:3478' }] } });
    const c = await client(s.url);
    const w = await c.hello({ peerId: peerId('a'), rtts: [{ seed: 'far', rttMs: 90 }, { seed: 'near', rttMs: 8 }] });
    expect(w).toMatchObject({ type: 'welcome', v: 1, peerId: peerId('a'), cluster: 'near', tracker: s.tracker.self });
    expect(w.iceServers).toEqual([{ urls: 'stun:127.0.0.1:3478' }]);
    expect(w.heartbeatMs).toBeGreaterThan(0);
    await expect(c.hello({ peerId: peerId('a') })).rejects.toMatchObject({ code: 'already-hello' });
  });

  it('announce then lookup finds the holder, never the asker, keyed by content hash', async () => {
    const s = await server();
    const [a, b] = [await client(s.url, 'a'), await client(s.url, 'b')];
    const obj = sri('script.js bytes');
    expect(await a.announce([{ integrity: obj, chunks: { count: 12, have: '//A=' } }])).toMatchObject({ accepted: 1, total: 1 });
    const found = await b.lookup(obj);
    expect(found.peers).toEqual([
      { peerId: peerId('a'), tracker: s.tracker.self, cluster: s.tracker.self.id, sameTracker: true, chunks: { count: 12, have: '//A=' } },
    ]);
    expect((await a.lookup(obj)).peers).toEqual([]); // the asker is never returned
    expect((await b.lookup(sri('other'))).peers).toEqual([]);
    // the index holds exactly one value, under contentKey(integrity)
    expect(await s.index.get(contentKey(obj))).toHaveLength(1);
  });

  it('orders lookup results nearest cluster first across announcers', async () => {
    const s = await server();
    const obj = sri('popular');
    const far = await client(s.url, 'far', [{ seed: 'us', rttMs: 5 }]);
    const near = await client(s.url, 'near', [{ seed: 'eu', rttMs: 5 }]);
    await far.announce([{ integrity: obj }]);
    await near.announce([{ integrity: obj }]);
    const asker = await client(s.url, 'asker', [{ seed: 'eu', rttMs: 3 }, { seed: 'us', rttMs: 100 }]);
    // both are on this tracker (rank 0), so order within is by the random rotation; ask for one
    // from a second tracker to see the cluster rule:
    const s2 = await server({ index: s.index });
    const remoteAsker = await client(s2.url, 'remote', [{ seed: 'eu', rttMs: 3 }, { seed: 'us', rttMs: 100 }]);
    for (let i = 0; i < 5; i++) {
      expect((await remoteAsker.lookup(obj)).peers.map((p) => p.peerId)).toEqual([peerId('near'), peerId('far')]);
    }
    expect((await asker.lookup(obj)).peers).toHaveLength(2);
  });

  it('signals a peer on the same tracker and reports unreachable peers', async () => {
    const s = await server();
    const [a, b] = [await client(s.url, 'a'), await client(s.url, 'b')];
    const got: unknown[] = [];
    b.onSignal = (m) => got.push(m);
    expect(await a.signal(peerId('b'), 'sid1', { kind: 'offer', sdp: 'v=0 offer' })).toMatchObject({ route: 'local' });
    await until(() => got.length === 1);
    expect(got[0]).toEqual({ type: 'signal', from: peerId('a'), sid: 'sid1', data: { kind: 'offer', sdp: 'v=0 offer' } });
    await expect(a.signal(peerId('nobody'), 'sid2', { kind: 'end-of-candidates' })).rejects.toMatchObject({ code: 'peer-unreachable' });
    await expect(a.signal(peerId('a'), 'sid3', { kind: 'end-of-candidates' })).rejects.toMatchObject({ code: 'self-signal' });
  });

  it('withdraw removes announcements; heartbeat keeps them and acks the count', async () => {
    const s = await server();
    const [a, b] = [await client(s.url, 'a'), await client(s.url, 'b')];
    const [x, y] = [sri('x'), sri('y')];
    await a.announce([{ integrity: x }, { integrity: y }]);
    expect(await a.heartbeat()).toMatchObject({ objects: 2 });
    expect(await a.withdraw([x, sri('never announced')])).toMatchObject({ removed: 1 });
    expect((await b.lookup(x)).peers).toEqual([]);
    expect((await b.lookup(y)).peers).toHaveLength(1);
    expect(s.tracker.metrics).toMatchObject({ announces: 1, withdraws: 1, heartbeats: 1, lookups: 2 });
  });


  it('a re-announce with another bitfield (or none) replaces the holder\'s one index value', async () => {
    const s = await server();
    const [a, b] = [await client(s.url, 'a'), await client(s.url, 'b')];
    const [x, y] = [sri('x'), sri('y')];
    const holders = async () => ({ peers: (await b.lookup(x)).peers, values: (await s.index.get(contentKey(x))).length });
    await a.announce([{ integrity: x }, { integrity: y }]);
    expect(await holders()).toMatchObject({ peers: [{ peerId: peerId('a'), sameTracker: true }], values: 1 });
    expect((await holders()).peers[0]).not.toHaveProperty('chunks');
    for (const chunks of [{ count: 3, have: 'oA==' }, { count: 3, have: '4A==' }]) {
      expect(await a.announce([{ integrity: x, chunks }])).toMatchObject({ accepted: 1, total: 2 });
      expect(await holders()).toMatchObject({ peers: [{ peerId: peerId('a'), chunks }], values: 1 });
    }
    await a.announce([{ integrity: x }]); // whole again
    expect(await holders()).toMatchObject({ peers: [{ peerId: peerId('a') }], values: 1 });
    expect((await holders()).peers[0]).not.toHaveProperty('chunks');
    expect((await b.lookup(y)).peers).toHaveLength(1); // the other whole object shares the same value
    expect(await a.withdraw([x])).toMatchObject({ removed: 1 });
    expect(await holders()).toEqual({ peers: [], values: 0 });
    expect((await b.lookup(y)).peers).toHaveLength(1);
  });
  it('a disconnect withdraws everything the peer announced', async () => {
    const s = await server();
    const [a, b] = [await client(s.url, 'a'), await client(s.url, 'b')];
    const objs = [sri('1'), sri('2'), sri('3')];
    await a.announce(objs.map((integrity) => ({ integrity })));
    expect((await b.lookup(objs[0])).peers).toHaveLength(1);
    await a.close();
    await until(() => s.tracker.sessionCount === 1);
    for (const o of objs) {
      expect((await b.lookup(o)).peers).toEqual([]);
      expect(await s.index.get(contentKey(o))).toEqual([]);
    }
    // the peer id is free again
    const again = await client(s.url);
    await expect(again.hello({ peerId: peerId('a') })).resolves.toMatchObject({ type: 'welcome' });
  });

  it('refuses a second session with a peer id in use, and a wrong protocol version', async () => {
    const s = await server();
    await client(s.url, 'a');
    const dup = await client(s.url);
    await expect(dup.hello({ peerId: peerId('a') })).rejects.toMatchObject({ code: 'peer-id-taken' });
    const old = await client(s.url);
    old.sendRaw(JSON.stringify({ type: 'hello', v: 99, peerId: peerId('old') }));
    const errs: string[] = [];
    old.onError = (m) => errs.push(m.code);
    await until(() => errs.length === 1);
    expect(errs).toEqual(['unsupported-version']);
  });

  it('answers requests before hello with no-hello', async () => {
    const s = await server();
    const c = await client(s.url);
    await expect(c.lookup(sri('z'))).rejects.toMatchObject({ code: 'no-hello' });
  });
});
