// HMAC-SHA256 truncated to 128 bits under the deployment's shared secret. The MAC comes from the
// platform (#platform/hmac: node:crypto in Node, @noble/hashes in browsers and workers).
import { createHmacSha256 } from '#platform/hmac';
import type { Authenticator } from './types';

export const TAG_BYTES = 16;

export function createHmacAuthenticator(secret: Uint8Array | string): Authenticator {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (key.length === 0) throw new Error('index-empty-secret');
  const mac = createHmacSha256(key);
  const expected = new Uint8Array(TAG_BYTES);
  return {
    tagBytes: TAG_BYTES,
    sign(data, out) {
      mac.tagInto(data, out);
    },
    verify(data, tag) {
      if (tag.length !== TAG_BYTES) return false;
      mac.tagInto(data, expected);
      let diff = 0; // constant time over the tag
      for (let i = 0; i < TAG_BYTES; i++) diff |= expected[i] ^ tag[i];
      return diff === 0;
    },
  };
}
