// The allocation-free HMAC-SHA256 used on every packet must agree with @noble/hashes.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHmacSha256, sha256 } from '../../shared/index/hmac-sha256';

describe('HMAC-SHA256', () => {
  it('matches @noble/hashes for any key and message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 150 }), fc.uint8Array({ maxLength: 400 }), (key, data) => {
        const out = new Uint8Array(32);
        createHmacSha256(key).tagInto(data, out);
        expect(out).toEqual(hmac(nobleSha256, key, data));
      }),
      { numRuns: 500 },
    );
  });

  it('matches at every padding boundary and for RFC 4231 case 2', () => {
    for (const len of [0, 55, 56, 63, 64, 119, 120, 128]) {
      const data = new Uint8Array(len).fill(0x61);
      expect(sha256(data)).toEqual(nobleSha256(data));
    }
    const out = new Uint8Array(32);
    createHmacSha256(new TextEncoder().encode('Jefe')).tagInto(new TextEncoder().encode('what do ya want for nothing?'), out);
    expect(Buffer.from(out).toString('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
});
