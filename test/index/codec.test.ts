// RPC codec: a round trip of every message type, and fuzzing with malformed packets (decode
// returns a reason, never throws), both unsigned garbage and correctly signed garbage bodies.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHmacAuthenticator } from '../../shared/index/auth';
import { PROTOCOL_VERSION } from '../../shared/index/config';
import { CMD, KIND, MAGIC } from '../../shared/index/rpc/commands';
import { createCodec } from '../../shared/index/rpc/codec';
import type { Body, Message } from '../../shared/index/rpc/messages';

const auth = createHmacAuthenticator('codec-test');
const codec = createCodec(auth, 9 * 1024);
const id = (n: number) => new Uint8Array(20).fill(n);
const contacts = [
  { id: id(1), address: '127.0.0.1:4000', services: 1 },
  { id: id(2), address: '[::1]:4001', services: 6 },
];
const bytes = (...xs: number[]) => new Uint8Array(xs);

const bodies: Body[] = [
  { t: 'ping' },
  { t: 'pong' },
  { t: 'findNode', level: 2, target: id(9) },
  { t: 'nodes', contacts },
  { t: 'nodes', contacts: [] },
  { t: 'findValue', level: 1, key: id(3), maxValues: 8 },
  { t: 'values', values: [bytes(1, 2, 3), bytes()], contacts: [] },
  { t: 'values', values: [], contacts },
  { t: 'putWalk', level: 0, key: id(4), ttlMs: 60_000 },
  { t: 'walked', fullAndLoaded: true, contacts: [] },
  { t: 'walked', fullAndLoaded: false, contacts },
  { t: 'store', level: 2, key: id(5), ttlMs: 1, value: bytes(9, 9) },
  { t: 'stored', status: 1 },
  { t: 'remove', level: 1, key: id(6), value: bytes(7) },
  { t: 'removed', count: 3 },
  { t: 'app', name: 'signal', payload: new Uint8Array(4000).fill(7) },
  { t: 'appReply', payload: bytes(1) },
  { t: 'error', code: 'index-no-handler' },
  { t: 'leave', levels: 0xff },
];

function message(body: Body): Message {
  return { txid: 0xdeadbeef, sender: id(0xaa), services: 5, clusters: [{ id: 2 ** 47 + 12345, size: 3000, ageS: 7200 }, { id: 1, size: 1, ageS: 0 }], body };
}

describe('index RPC codec', () => {
  it.each(bodies.map((b) => [b.t, b] as const))('round-trips %s', (_t, body) => {
    const packet = codec.encode(message(body));
    const r = codec.decode(packet);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.msg).toEqual(message(body));
  });

  it('puts magic, version and kind in the header', () => {
    const p = codec.encode(message({ t: 'findNode', level: 0, target: id(1) }));
    expect([p[0], p[1], p[2], p[3]]).toEqual([MAGIC, PROTOCOL_VERSION, KIND.request, CMD.findNode]);
  });

  it('rejects a packet signed under another secret, or of another version', () => {
    const other = createCodec(createHmacAuthenticator('other-deployment'), 9 * 1024);
    const p = other.encode(message({ t: 'ping' }));
    expect(codec.decode(p)).toEqual({ ok: false, reason: 'bad-mac' });
    const q = codec.encode(message({ t: 'ping' }));
    q[1] = PROTOCOL_VERSION + 1;
    expect(codec.decode(q)).toEqual({ ok: false, reason: 'bad-version' });
  });

  it('detects any single-byte change', () => {
    const p = codec.encode(message({ t: 'nodes', contacts }));
    fc.assert(
      fc.property(fc.nat(p.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const q = p.slice();
        q[i] ^= x;
        expect(codec.decode(q).ok).toBe(false);
      }),
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        expect(codec.decode(b).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on correctly signed garbage after a valid header', () => {
    // Sign arbitrary bodies so fuzzing reaches the body parser behind the MAC check.
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 2, 3), fc.nat(10), fc.uint8Array({ maxLength: 300 }), fc.nat(4), (kind, cmd, body, levels) => {
        const head = [MAGIC, PROTOCOL_VERSION, kind, cmd, 0, 0, 0, 1, ...new Array(20).fill(1), 0, levels];
        const unsigned = new Uint8Array([...head, ...new Array(levels * 14).fill(0), ...body]);
        const tag = new Uint8Array(16);
        auth.sign(unsigned, tag);
        const packet = new Uint8Array([...unsigned, ...tag]);
        const r = codec.decode(packet);
        if (r.ok) expect(codec.decode(codec.encode(r.msg, r.cmd)).ok).toBe(true);
        else expect(['malformed', 'short']).toContain(r.reason);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses oversized packets and messages', () => {
    expect(codec.decode(new Uint8Array(10 * 1024))).toEqual({ ok: false, reason: 'too-large' });
    expect(() => codec.encode(message({ t: 'app', name: 'x', payload: new Uint8Array(9 * 1024) }))).toThrow(/too-large/);
  });
});
