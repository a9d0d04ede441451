// Cross-tracker signalling: two trackers share one content index (standing in for the Coral index)
// and relay signals to each other, in-process and over authenticated HTTP on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerMessageOf } from '../../shared/tracker';
import { systemClock } from '../../shared/clock';
import { MemoryContentIndex } from '../../tracker/content-index';
import { RELAY_PATH } from '../../tracker/http-relay';
import { DirectSignalRelay } from '../../tracker/signal-relay';
import type { TrackerServer } from '../../tracker/server';
import { client, closeAll, peerId, server, sri, until } from './helpers';

const indexes: MemoryContentIndex[] = [];
afterEach(async () => {
  await closeAll();
  for (const i of indexes.splice(0)) i.close();
});

function sharedIndex(): MemoryContentIndex {
  const i = new MemoryContentIndex(systemClock);
  indexes.push(i);
  return i;
}

/** A on tracker 1 announces; B on tracker 2 finds A, offers via the index route, A answers back. */
async function offerAnswerAcross(s1: TrackerServer, s2: TrackerServer) {
  const a = await client(s1.url, 'a');
  const b = await client(s2.url, 'b');
  const obj = sri('shared object');
  await a.announce([{ integrity: obj }]);
  const found = await b.lookup(obj);
  expect(found.peers).toEqual([{ peerId: peerId('a'), tracker: s1.tracker.self, cluster: s1.tracker.self.id, sameTracker: false }]);
  const atA: ServerMessageOf<'signal'>[] = [];
  const atB: ServerMessageOf<'signal'>[] = [];
  a.onSignal = (m) => atA.push(m);
  b.onSignal = (m) => atB.push(m);
  expect(await b.signal(peerId('a'), 'webrtc-1', { kind: 'offer', sdp: 'v=0 b' }, obj)).toMatchObject({ route: 'relayed' });
  await until(() => atA.length === 1);
  expect(atA[0]).toEqual({ type: 'signal', from: peerId('b'), sid: 'webrtc-1', data: { kind: 'offer', sdp: 'v=0 b' } });
  // A's tracker learned where B is from the relayed offer: no integrity needed for the answer.
  expect(await a.signal(peerId('b'), 'webrtc-1', { kind: 'answer', sdp: 'v=0 a' })).toMatchObject({ route: 'relayed' });
  await a.signal(peerId('b'), 'webrtc-1', { kind: 'candidate', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' });
  await until(() => atB.length === 2);
  expect(atB.map((m) => m.data.kind)).toEqual(['answer', 'candidate']);
  expect(s2.tracker.metrics.signalsRelayed).toBe(1);
  expect(s1.tracker.metrics).toMatchObject({ signalsRelayed: 2, relayedSignalsAccepted: 1 });
  return { a, b, obj };
}

describe('signal relay between trackers', () => {
  it('relays offer, answer and candidates in-process (DirectSignalRelay)', async () => {
    const relay = new DirectSignalRelay();
    const index = sharedIndex();
    const s1 = await server({ index, relay });
    const s2 = await server({ index, relay });
    relay.register(s1.tracker);
    relay.register(s2.tracker);
    const { b } = await offerAnswerAcross(s1, s2);
    // a peer nobody knows a route to
    await expect(b.signal(peerId('ghost'), 'x', { kind: 'end-of-candidates' }, sri('nothing'))).rejects.toMatchObject({ code: 'peer-unreachable' });
    // once A is gone its tracker refuses relayed signals
    relay.unregister(s1.tracker);
    await expect(b.signal(peerId('a'), 'webrtc-1', { kind: 'end-of-candidates' })).rejects.toMatchObject({ code: 'peer-unreachable' });
  });

  it('relays over authenticated HTTP between two real servers', async () => {
    const index = sharedIndex();
    const s1 = await server({ index, relaySecret: 'cluster-secret' });
    const s2 = await server({ index, relaySecret: 'cluster-secret' });
    await offerAnswerAcross(s1, s2);
  });

  it('works on IPv6 loopback too (ws://[::1]:port, relay to [::1]:port)', async () => {
    const index = sharedIndex();
    const s1 = await server({ host: '::1', index, relaySecret: 'v6' });
    const s2 = await server({ host: '::1', index, relaySecret: 'v6' });
    expect(s1.url).toMatch(/^ws:\/\/\[::1\]:\d+\//);
    await offerAnswerAcross(s1, s2);
  });

  it('refuses relay requests with a wrong MAC, and a tracker with another secret cannot relay', async () => {
    const index = sharedIndex();
    const s1 = await server({ index, relaySecret: 'right' });
    const s2 = await server({ index, relaySecret: 'wrong' });
    const forged = await fetch(`http://${s1.tracker.self.addr}${RELAY_PATH}`, {
      method: 'POST',
      headers: { 'x-reef-relay-mac': '00'.repeat(32) },
      body: JSON.stringify({ ts: Date.now(), msg: {} }),
    });
    expect(forged.status).toBe(401);
    const a = await client(s1.url, 'a');
    const b = await client(s2.url, 'b');
    const obj = sri('o');
    await a.announce([{ integrity: obj }]);
    await expect(b.signal(peerId('a'), 's', { kind: 'offer', sdp: 'x' }, obj)).rejects.toMatchObject({ code: 'peer-unreachable' });
    expect(s1.tracker.metrics.relayedSignalsAccepted).toBe(0);
  });
});
