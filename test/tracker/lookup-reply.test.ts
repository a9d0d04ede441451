// The lookup reply is assembled from cached pieces of text (per tracker ref and cluster) instead of
// JSON.stringify: it must be byte for byte what JSON.stringify of the same message writes, for any
// mix of local and foreign holders, clusters that need escaping, and chunk bitfields.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock';
import { contentKey, encodeIndexValue } from '../../shared/tracker';
import { MemoryContentIndex } from '../../tracker/content-index';
import { Tracker } from '../../tracker/core';
import { sri } from './helpers';

const SELF = { id: 'a'.repeat(40), addr: '127.0.0.1:8000' };

describe('lookup reply text', () => {
  it('equals JSON.stringify of the parsed reply (property)', async () => {
    const holder = fc.record({
      peer: fc.stringMatching(/^[A-Za-z0-9_-]{8,20}$/),
      tracker: fc.constantFrom(SELF, { id: 'b'.repeat(40), addr: '[::1]:9000' }, { id: 'c'.repeat(40), addr: 'seed "q" \\ é' }),
      cluster: fc.oneof(fc.constantFrom('eu', 'c"l\\u\n', 'é😀'), fc.string({ minLength: 1, maxLength: 20 })),
      chunks: fc.option(fc.constantFrom({ count: 3, have: 'oA==' }, { count: 9, have: '/4A=' }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(holder, { minLength: 1, maxLength: 12 }), async (holders) => {
        const clock = new ManualClock();
        const index = new MemoryContentIndex(clock);
        const tracker = new Tracker({ clock, index, self: SELF });
        const integrity = sri('object');
        for (const h of holders) await index.put(contentKey(integrity), encodeIndexValue({ peerId: h.peer, tracker: h.tracker, cluster: h.cluster, chunks: h.chunks }), 60_000);
        const sent: string[] = [];
        const session = tracker.connect({ send: (t) => void sent.push(t), close: () => {} });
        tracker.receive(session, JSON.stringify({ type: 'hello', v: 1, peerId: 'asker-0001' }));
        tracker.receive(session, JSON.stringify({ type: 'lookup', id: 7, integrity, max: 20 }));
        await new Promise((r) => setImmediate(r));
        const reply = sent.find((t) => t.includes('"type":"peers"'));
        expect(reply, sent.join('\n')).toBeDefined();
        expect(reply).toBe(JSON.stringify(JSON.parse(reply!)));
        // Foreign holders are all returned (local ones only while connected here, and none are).
        const peers = (JSON.parse(reply!) as { peers: { peerId: string; cluster: string }[] }).peers;
        const foreign = holders.filter((h) => h.tracker !== SELF);
        expect(peers.length).toBe(new Set(foreign.map((h) => JSON.stringify([h.peer, h.tracker, h.cluster, h.chunks]))).size);
        tracker.stop();
        index.close?.();
      }),
      { numRuns: 60 },
    );
  });

  it('shares one integrity string per object across holders, and frees it with the last holder', async () => {
    const clock = new ManualClock();
    const index = new MemoryContentIndex(clock);
    const tracker = new Tracker({ clock, index, self: SELF });
    const shared = () => (tracker as unknown as { integrities: { byText: Map<string, unknown> } }).integrities.byText;
    const [x, y] = [sri('x'), sri('y')];
    const sessions = [1, 2, 3].map((i) => {
      const s = tracker.connect({ send: () => {}, close: () => {} });
      tracker.receive(s, JSON.stringify({ type: 'hello', v: 1, peerId: `holder-000${i}` }));
      tracker.receive(s, JSON.stringify({ type: 'announce', id: 1, objects: [{ integrity: x }, { integrity: y }] }));
      tracker.receive(s, JSON.stringify({ type: 'announce', id: 2, objects: [{ integrity: x, chunks: { count: 3, have: 'oA==' } }] }));
      return s;
    });
    await new Promise((r) => setImmediate(r));
    expect(shared().size).toBe(2);
    tracker.receive(sessions[0], JSON.stringify({ type: 'withdraw', id: 3, integrity: [x, y] }));
    await new Promise((r) => setImmediate(r));
    await tracker.disconnect(sessions[1]);
    expect(shared().size).toBe(2);
    await tracker.disconnect(sessions[2]);
    expect(shared().size).toBe(0);
    expect(await index.get(contentKey(x))).toEqual([]);
    index.close();
  });
});
