// Hammer a real tracker with malformed frames over 127.0.0.1. Property: every frame gets exactly one
// reply (an error for garbage), nothing is thrown out of the process, and valid clients are served after.
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { client, closeAll, server, sri } from './helpers';

afterEach(closeAll);

const validSri = sri('fuzz');
const types = fc.constantFrom('hello', 'announce', 'lookup', 'signal', 'withdraw', 'heartbeat', 'welcome', 'x', '');
const nearValid = fc.record(
  {
    type: types,
    v: fc.oneof(fc.constant(1), fc.anything()),
    id: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.anything()),
    peerId: fc.oneof(fc.constant('peer-fuzz0'), fc.string()),
    integrity: fc.oneof(fc.constant(validSri), fc.string(), fc.array(fc.constant(validSri))),
    objects: fc.array(fc.record({ integrity: fc.oneof(fc.constant(validSri), fc.string()), chunks: fc.anything() }, { requiredKeys: [] })),
    to: fc.oneof(fc.constant('peer-fuzz0'), fc.string()),
    sid: fc.string(),
    data: fc.oneof(fc.record({ kind: fc.constantFrom('offer', 'answer', 'candidate', 'nope'), sdp: fc.anything() }), fc.anything()),
    rtts: fc.anything(),
    max: fc.anything(),
  },
  { requiredKeys: ['type'] },
);
const deep = fc.integer({ min: 1, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n));
const frame = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.json(),
  nearValid.map((o) => JSON.stringify(o)),
  fc.dictionary(fc.string(), fc.anything()).map((o) => JSON.stringify(o) ?? '{}'),
  deep,
);

/** Sends frames on a raw socket and resolves with the replies (not counting signals from others). */
function exchange(url: string, frames: (string | Buffer)[]): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const replies: unknown[] = [];
    ws.on('message', (d: Buffer) => {
      const m = JSON.parse(d.toString()) as { type: string };
      if (m.type !== 'signal') replies.push(m);
      if (replies.length === frames.length) {
        ws.close();
        resolve(replies);
      }
    });
    ws.on('open', () => frames.forEach((f) => ws.send(f)));
    ws.on('error', reject);
    ws.on('close', () => replies.length < frames.length && reject(new Error(`closed after ${replies.length}/${frames.length}`)));
  });
}

describe('tracker fuzz', () => {
  it('answers every malformed frame with exactly one reply and keeps serving', async () => {
    const s = await server({ config: { messagesPerSec: 1e6, messageBurst: 1e6, maxStrikes: 1e9 } });
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 40 }), async (frames) => {
        sent += frames.length;
        const replies = await exchange(s.url, frames);
        expect(replies).toHaveLength(frames.length);
      }),
      { numRuns: 150 },
    );
    expect(s.tracker.metrics.messagesIn).toBe(sent);
    const malformed = Object.values(s.tracker.metrics.malformed).reduce((a, b) => a + b, 0);
    expect(malformed).toBeGreaterThan(sent / 2);
    const [a, b] = [await client(s.url, 'after-a'), await client(s.url, 'after-b')];
    await a.announce([{ integrity: validSri }]);
    expect((await b.lookup(validSri)).peers.map((p) => p.peerId)).toContain('peer-after-a');
  });

  it('with default limits, a garbage flood is disconnected while a valid client is served', async () => {
    const s = await server();
    const good = await client(s.url, 'good');
    const floods = await Promise.all(Array.from({ length: 5 }, () => client(s.url)));
    const junk = fc.sample(frame, { numRuns: 300, seed: 42 });
    for (const f of floods) for (const j of junk) if (f.ws.readyState === WebSocket.OPEN) f.sendRaw(j);
    const codes = await Promise.all(floods.map((f) => f.closed.then((c) => c.code)));
    expect(codes.every((c) => c === 4001 || c === 1009)).toBe(true);
    expect(await good.heartbeat()).toMatchObject({ type: 'heartbeat-ack' });
    expect(s.tracker.sessionCount).toBe(1);
  });
});
