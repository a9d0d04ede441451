// Two trackers on two seeds of a simulated Coral index (createTestnet, virtual time): announcements
// go into the index, a lookup on one tracker finds a peer of the other, and the WebRTC signals are
// relayed through the index's application RPCs.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { idToHex } from '../../shared/index/id';
import type { CoralNode } from '../../shared/index/node';
import { createTestnet, type Testnet } from '../../shared/index/sim/testnet';
import { contentKey, type ServerMessage } from '../../shared/tracker';
import { coralContentIndex, CoralSignalRelay, serveCoralSignals } from '../../tracker/coral';
import { Tracker } from '../../tracker/core';
import { sri } from './helpers';

let tn: Testnet | null = null;
afterEach(() => {
  tn?.teardown();
  tn = null;
});

function trackerOn(net: Testnet, node: CoralNode, port: number): Tracker {
  const t = new Tracker({
    clock: net.clock,
    index: coralContentIndex(node),
    relay: new CoralSignalRelay(node),
    self: { id: idToHex(node.id), addr: `127.0.0.1:${port}` },
  });
  serveCoralSignals(node, t);
  return t;
}

/** A browser session on the sans-I/O core: frames in, parsed frames out. */
function browser(t: Tracker) {
  const inbox: ServerMessage[] = [];
  const session = t.connect({ send: (text) => void inbox.push(JSON.parse(text) as ServerMessage), close: () => {} });
  return { inbox, send: (msg: object) => t.receive(session, JSON.stringify(msg)) };
}

describe('tracker on the Coral index', () => {
  it('finds a peer announced on another seed and relays offer and answer through the index', async () => {
    tn = await createTestnet(12);
    await tn.run(30_000); // let the overlay settle
    const [n1, n2] = [tn.nodes[2], tn.nodes[9]];
    const t1 = trackerOn(tn, n1, 8001);
    const t2 = trackerOn(tn, n2, 8002);
    const a = browser(t1);
    const b = browser(t2);
    const obj = sri('coral object');
    a.send({ type: 'hello', v: 1, peerId: 'peer-a-coral' });
    b.send({ type: 'hello', v: 1, peerId: 'peer-b-coral' });
    a.send({ type: 'announce', id: 1, objects: [{ integrity: obj }] });
    await tn.run(5_000);
    expect(a.inbox.at(-1)).toMatchObject({ type: 'announced', id: 1, total: 1 });
    const stored = n2.get(contentKey(obj)); // in the index, by content key (time must run for it)
    await tn.run(5_000);
    expect((await stored).values.length).toBeGreaterThan(0);

    b.send({ type: 'lookup', id: 2, integrity: obj });
    await tn.run(5_000);
    expect(b.inbox.at(-1)).toEqual({
      type: 'peers', id: 2, integrity: obj,
      peers: [{ peerId: 'peer-a-coral', tracker: t1.self, cluster: t1.self.id, sameTracker: false }],
    });

    b.send({ type: 'signal', id: 3, to: 'peer-a-coral', sid: 'rtc', integrity: obj, data: { kind: 'offer', sdp: 'v=0 b' } });
    await tn.run(5_000);
    expect(b.inbox.at(-1)).toEqual({ type: 'signal-sent', id: 3, route: 'relayed' });
    expect(a.inbox.at(-1)).toEqual({ type: 'signal', from: 'peer-b-coral', sid: 'rtc', data: { kind: 'offer', sdp: 'v=0 b' } });

    a.send({ type: 'signal', id: 4, to: 'peer-b-coral', sid: 'rtc', data: { kind: 'answer', sdp: 'v=0 a' } });
    await tn.run(5_000);
    expect(a.inbox.at(-1)).toEqual({ type: 'signal-sent', id: 4, route: 'relayed' });
    expect(b.inbox.at(-1)).toEqual({ type: 'signal', from: 'peer-a-coral', sid: 'rtc', data: { kind: 'answer', sdp: 'v=0 a' } });
  });

  it('refuses a relayed signal whose claimed tracker is not the sending node', async () => {
    tn = await createTestnet(6);
    await tn.run(10_000);
    const t1 = trackerOn(tn, tn.nodes[1], 8001);
    const a = browser(t1);
    a.send({ type: 'hello', v: 1, peerId: 'peer-a-coral' });
    const liar = tn.nodes[4];
    const forged = { from: 'peer-evil', fromTracker: { id: 'ab'.repeat(20), addr: '127.0.0.1:1' }, to: 'peer-a-coral', sid: 's', data: { kind: 'end-of-candidates' } };
    const reply = liar.request(tn.nodes[1].address, 'reef.tracker.signal', new TextEncoder().encode(JSON.stringify(forged)));
    await tn.run(2_000);
    expect([...(await reply)]).toEqual([0]);
    expect(a.inbox.filter((m) => m.type === 'signal')).toEqual([]);
  });

  it('answers garbage relay payloads with "not delivered" (fuzz)', async () => {
    tn = await createTestnet(4);
    await tn.run(5_000);
    const t1 = trackerOn(tn, tn.nodes[1], 8001);
    const a = browser(t1);
    a.send({ type: 'hello', v: 1, peerId: 'peer-a-coral' });
    const sender = tn.nodes[3];
    const payloads = fc.sample(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        fc.json().map((j) => new TextEncoder().encode(j)),
        fc.record({ from: fc.string(), fromTracker: fc.anything(), to: fc.constant('peer-a-coral'), sid: fc.string(), data: fc.anything() })
          .map((o) => new TextEncoder().encode(JSON.stringify(o))),
      ),
      { numRuns: 150, seed: 7 },
    );
    const replies = payloads.map((p) => sender.request(tn!.nodes[1].address, 'reef.tracker.signal', p));
    await tn.run(3_000);
    for (const r of await Promise.all(replies)) expect([...r]).toEqual([0]);
    expect(a.inbox.filter((m) => m.type === 'signal')).toEqual([]);
  });
});
