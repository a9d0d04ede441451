// The per-packet MAC comes from the platform (#platform/hmac): node:crypto in Node, @noble/hashes
// with a cloned keyed state in browsers. Both must agree with the reference HMAC-SHA256.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHmacAuthenticator } from '../../shared/index/auth';
import * as browser from '../../shared/platform/hmac.browser';
import * as node from '../../shared/platform/hmac.node';

describe.each([node, browser])('HMAC-SHA256 ($platform)', (impl) => {
  it('matches the reference for any key and message, tag after tag on one keyed instance', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 150 }), fc.array(fc.uint8Array({ maxLength: 400 }), { minLength: 1, maxLength: 3 }), (key, messages) => {
        const mac = impl.createHmacSha256(key);
        for (const data of messages) {
          const out = new Uint8Array(32);
          mac.tagInto(data, out);
          expect(out).toEqual(hmac(sha256, key, data));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives RFC 4231 case 2 and truncates to the output length', () => {
    const mac = impl.createHmacSha256(new TextEncoder().encode('Jefe'));
    const full = new Uint8Array(32);
    mac.tagInto(new TextEncoder().encode('what do ya want for nothing?'), full);
    expect(Buffer.from(full).toString('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    const short = new Uint8Array(16);
    mac.tagInto(new TextEncoder().encode('what do ya want for nothing?'), short);
    expect(short).toEqual(full.subarray(0, 16));
  });
});

describe('createHmacAuthenticator', () => {
  it('verifies its own tags and rejects a flipped bit or another secret', () => {
    const a = createHmacAuthenticator('secret-a');
    const b = createHmacAuthenticator('secret-b');
    const data = new Uint8Array(100).map((_, i) => i);
    const tag = new Uint8Array(a.tagBytes);
    a.sign(data, tag);
    expect(a.verify(data, tag)).toBe(true);
    expect(b.verify(data, tag)).toBe(false);
    data[7] ^= 1;
    expect(a.verify(data, tag)).toBe(false);
    expect(() => createHmacAuthenticator('')).toThrow('index-empty-secret');
  });
});
