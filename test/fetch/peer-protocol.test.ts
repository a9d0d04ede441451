// The peer wire protocol: round trips for every message, split holdings, and fuzzing of the decoder
// (garbage is a typed error, never an exception).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitfieldFromIndices } from '../../shared/fetch/bitfield';
import {
  decodeFrame,
  encodeHoldingFrames,
  encodeMessage,
  MAX_FRAME_BYTES,
  MAX_PIECE_PAYLOAD_BYTES,
  type Holding,
  type PeerMessage,
} from '../../shared/fetch/peer-protocol';

const integrity = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((d) => 'sha256-' + Buffer.from(d).toString('base64'));
const holding: fc.Arbitrary<Holding> = fc
  .record({ integrity, chunkCount: fc.integer({ min: 1, max: 300 }), seed: fc.array(fc.nat(299), { maxLength: 40 }) })
  .map(({ integrity, chunkCount, seed }) => ({ integrity, chunkCount, have: bitfieldFromIndices(chunkCount, seed.filter((i) => i < chunkCount)) }));
const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const message: fc.Arbitrary<PeerMessage> = fc.oneof(
  fc.record({ type: fc.constant('hello' as const), version: fc.constant(1), serves: fc.boolean(), holdings: fc.array(holding, { maxLength: 5 }) }),
  fc.record({ type: fc.constant('have' as const), holdings: fc.array(holding, { maxLength: 5 }) }),
  fc.record({ type: fc.constant('request' as const), integrity, chunkIndex: fc.integer({ min: 0, max: 65_535 }), reqId: u32 }),
  fc.record({ type: fc.constant('piece' as const), reqId: u32, offset: u32, last: fc.boolean(), bytes: fc.uint8Array({ maxLength: 2048 }) }),
  fc.record({ type: fc.constant('reject' as const), reqId: u32, reason: fc.constantFrom('not-held' as const, 'over-cap' as const, 'disabled' as const, 'busy' as const) }),
  fc.record({ type: fc.constant('cancel' as const), reqId: u32 }),
);

describe('peer protocol codec', () => {
  it('round-trips every message type', () => {
    fc.assert(
      fc.property(message, (m) => {
        const r = decodeFrame(encodeMessage(m));
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.msg).toEqual(m);
      }),
      { numRuns: 500 },
    );
  });

  it('splits large holdings into a hello plus have frames, each within the frame limit', () => {
    const big: Holding[] = Array.from({ length: 40 }, (_, i) => ({
      integrity: 'sha256-' + Buffer.alloc(32, i).toString('base64'),
      chunkCount: 65_536,
      have: bitfieldFromIndices(65_536, [0, i, 65_535]),
    }));
    const frames = encodeHoldingFrames(true, big);
    expect(frames.length).toBeGreaterThan(1);
    const got: Holding[] = [];
    frames.forEach((f, i) => {
      expect(f.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      const r = decodeFrame(f);
      if (!r.ok) throw new Error(r.code);
      expect(r.msg.type).toBe(i === 0 ? 'hello' : 'have');
      got.push(...(r.msg as { holdings: Holding[] }).holdings);
    });
    expect(got.map((h) => h.integrity)).toEqual(big.map((h) => h.integrity));
    got.forEach((h, i) => expect(Buffer.from(h.have).equals(Buffer.from(big[i].have))).toBe(true));
    // An empty hello is one frame.
    expect(encodeHoldingFrames(false, [])).toHaveLength(1);
  });

  it('names what is wrong with malformed frames', () => {
    const req = encodeMessage({ type: 'request', integrity: 'sha256-' + Buffer.alloc(32).toString('base64'), chunkIndex: 1, reqId: 2 });
    expect(decodeFrame(new Uint8Array())).toEqual({ ok: false, code: 'empty' });
    expect(decodeFrame(Uint8Array.of(2, 3))).toEqual({ ok: false, code: 'bad-version' });
    expect(decodeFrame(Uint8Array.of(1, 99))).toEqual({ ok: false, code: 'unknown-type' });
    expect(decodeFrame(req.subarray(0, req.length - 1))).toEqual({ ok: false, code: 'truncated' });
    expect(decodeFrame(Uint8Array.from([...req, 0]))).toEqual({ ok: false, code: 'trailing-bytes' });
    expect(decodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1).fill(1))).toEqual({ ok: false, code: 'too-large' });
    const reject = encodeMessage({ type: 'reject', reqId: 1, reason: 'busy' });
    reject[6] = 9;
    expect(decodeFrame(reject)).toEqual({ ok: false, code: 'bad-field' });
    // Padding bits past chunkCount must be clear.
    const have = encodeMessage({ type: 'have', holdings: [{ integrity: 'sha256-' + Buffer.alloc(32).toString('base64'), chunkCount: 3, have: Uint8Array.of(0xe0) }] });
    have[have.length - 1] = 0xff;
    expect(decodeFrame(have)).toEqual({ ok: false, code: 'bad-field' });
    expect(() => encodeMessage({ type: 'piece', reqId: 1, offset: 0, last: true, bytes: new Uint8Array(MAX_PIECE_PAYLOAD_BYTES + 1) })).toThrow();
  });

  it('never throws on arbitrary bytes, and never returns a message that re-encodes differently', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        const r = decodeFrame(b);
        if (r.ok) expect(Buffer.from(encodeMessage(r.msg)).equals(Buffer.from(b))).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it('never throws on mutated valid frames (bit flips, truncation, appended bytes)', () => {
    fc.assert(
      fc.property(message, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), fc.uint8Array({ maxLength: 8 }), (m, flips, cut, tail) => {
        const f = encodeMessage(m).slice();
        for (const [i, v] of flips) f[i % f.length] = v;
        const mutated = Uint8Array.from([...f.subarray(0, f.length - (cut % (f.length + 1))), ...tail]);
        const r = decodeFrame(mutated);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 3_000 },
    );
  });
});
