// HMAC-SHA256 truncated to 128 bits under the deployment's shared secret. Pure JS (@noble/hashes)
// so the core runs in browsers and workers too; the keyed state is computed once and cloned.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Authenticator } from './types';

export const TAG_BYTES = 16;

export function createHmacAuthenticator(secret: Uint8Array | string): Authenticator {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (key.length === 0) throw new Error('index-empty-secret');
  const keyed = hmac.create(sha256, key);
  const full = new Uint8Array(32);
  const tagOf = (data: Uint8Array) => {
    const h = keyed.clone();
    h.update(data);
    h.digestInto(full);
    return full;
  };
  return {
    tagBytes: TAG_BYTES,
    sign(data, out) {
      out.set(tagOf(data).subarray(0, TAG_BYTES));
    },
    verify(data, tag) {
      if (tag.length !== TAG_BYTES) return false;
      const t = tagOf(data);
      let diff = 0; // constant time over the tag
      for (let i = 0; i < TAG_BYTES; i++) diff |= t[i] ^ tag[i];
      return diff === 0;
    },
  };
}
