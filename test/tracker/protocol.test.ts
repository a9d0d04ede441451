import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  contentKey,
  decodeIndexValue,
  encodeIndexValue,
  parseClientMessage,
  parseServerMessage,
  PROTOCOL_VERSION,
  type ClientMessage,
  type ServerMessage,
} from '../../shared/tracker';
import { sri } from './helpers';

const tracker = { id: 'ab'.repeat(20), addr: '127.0.0.1:8470' };
const I = sri('hello');

const clientSamples: ClientMessage[] = [
  { type: 'hello', v: PROTOCOL_VERSION, peerId: 'peer-aaaa', caps: ['webrtc'], rtts: [{ seed: 'seed-1', rttMs: 12.5 }] },
  { type: 'announce', id: 1, objects: [{ integrity: I }, { integrity: sri('b'), chunks: { count: 10, have: '/8A=' } }] },
  { type: 'lookup', id: 2, integrity: I, max: 5 },
  { type: 'signal', id: 3, to: 'peer-bbbb', sid: 's1', data: { kind: 'offer', sdp: 'v=0' } },
  { type: 'signal', id: 4, to: 'peer-bbbb', sid: 's1', integrity: I, data: { kind: 'candidate', candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 } },
  { type: 'signal', id: 5, to: 'peer-bbbb', sid: 's1', data: { kind: 'end-of-candidates' } },
  { type: 'withdraw', id: 6, integrity: [I] },
  { type: 'heartbeat', id: 7 },
];
const serverSamples: ServerMessage[] = [
  {
    type: 'welcome', v: 1, peerId: 'peer-aaaa', tracker, cluster: 'seed-1', iceServers: [{ urls: 'stun:127.0.0.1:3478' }],
    heartbeatMs: 30000, limits: { maxObjects: 10, maxMessageBytes: 100, messagesPerSec: 5 },
  },
  { type: 'announced', id: 1, accepted: 2, total: 2 },
  { type: 'peers', id: 2, integrity: I, peers: [{ peerId: 'peer-bbbb', tracker, cluster: 'c', sameTracker: true }] },
  { type: 'withdrawn', id: 6, removed: 1 },
  { type: 'heartbeat-ack', id: 7, objects: 3 },
  { type: 'signal-sent', id: 3, route: 'relayed' },
  { type: 'signal', from: 'peer-aaaa', sid: 's1', data: { kind: 'answer', sdp: 'v=0' } },
  { type: 'error', id: 9, code: 'bad-message', message: 'x' },
];

describe('tracker protocol codec', () => {
  it('round-trips every client message, as text and as bytes', () => {
    for (const m of clientSamples) {
      expect(parseClientMessage(JSON.stringify(m))).toEqual({ ok: true, msg: m });
      expect(parseClientMessage(new TextEncoder().encode(JSON.stringify(m)))).toEqual({ ok: true, msg: m });
    }
  });
  it('round-trips every server message', () => {
    for (const m of serverSamples) expect(parseServerMessage(JSON.stringify(m))).toEqual({ ok: true, msg: m });
  });
  it('gives stable codes for each kind of bad frame', () => {
    expect(parseClientMessage(new Uint8Array([0xff, 0xfe]))).toMatchObject({ ok: false, code: 'bad-encoding' });
    expect(parseClientMessage('{nope')).toMatchObject({ ok: false, code: 'bad-json' });
    expect(parseClientMessage('[1,2]')).toMatchObject({ ok: false, code: 'bad-message' });
    expect(parseClientMessage('{"type":"teleport","id":4}')).toMatchObject({ ok: false, code: 'unknown-type', id: 4 });
    expect(parseClientMessage('{"type":"__proto__"}')).toMatchObject({ ok: false, code: 'unknown-type' });
    expect(parseClientMessage(`{"type":"lookup","id":8,"integrity":"https://example.com/a.js"}`)).toMatchObject({
      ok: false, code: 'bad-message', id: 8,
    });
    // a bitfield whose length does not match its chunk count
    expect(parseClientMessage(JSON.stringify({ type: 'announce', id: 1, objects: [{ integrity: I, chunks: { count: 100, have: 'AA==' } }] })))
      .toMatchObject({ ok: false, code: 'bad-message' });
  });
  it('never throws on arbitrary input (fuzz)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.uint8Array({ maxLength: 300 })), (input) => {
        const r = parseClientMessage(input);
        const s = parseServerMessage(input);
        expect(typeof r.ok).toBe('boolean');
        expect(typeof s.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
  it('rejects mutated valid messages with a code, never a throw (fuzz)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...clientSamples), fc.string(), fc.anything(), (m, key, value) => {
        const r = parseClientMessage(JSON.stringify({ ...m, [key]: value }));
        if (!r.ok) expect(r.code).toMatch(/^(bad-message|unknown-type|bad-json)$/);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('contentKey', () => {
  it('is the first 20 bytes of the SHA-256 digest in the SRI string', () => {
    const digest = createHash('sha256').update('hello').digest();
    expect(Buffer.from(contentKey(I))).toEqual(digest.subarray(0, 20));
  });
  it('refuses anything but a sha256 SRI value', () => {
    expect(() => contentKey('sha384-abc')).toThrow('bad-integrity');
    expect(() => contentKey('https://example.com/x.js')).toThrow('bad-integrity');
  });
});

describe('index value codec', () => {
  it('round-trips with and without a chunk bitfield', () => {
    const a = { peerId: 'peer-aaaa', tracker, cluster: 'seed-x' };
    const b = { ...a, chunks: { count: 10, have: '/8A=' } };
    expect(decodeIndexValue(encodeIndexValue(a))).toEqual(a);
    expect(decodeIndexValue(encodeIndexValue(b))).toEqual(b);
  });
  it('returns null for truncated, extended or random bytes (fuzz)', () => {
    const good = encodeIndexValue({ peerId: 'peer-aaaa', tracker, cluster: 'c', chunks: { count: 9, have: 'AAA=' } });
    for (let n = 0; n < good.length; n++) expect(decodeIndexValue(good.subarray(0, n))).toBeNull();
    expect(decodeIndexValue(new Uint8Array([...good, 0]))).toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const v = decodeIndexValue(bytes);
        if (v) expect(decodeIndexValue(encodeIndexValue(v))).toEqual(v);
      }),
      { numRuns: 3000 },
    );
  });
});
