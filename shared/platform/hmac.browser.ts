// Browser: WebCrypto's HMAC is async only and the index signs every packet synchronously, so the
// browser uses @noble/hashes. The keyed (inner and outer) state is built once and cloned into one
// reused instance per tag: no re-keying and no allocation per packet.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

export interface HmacSha256 {
  /** Writes the first out.length bytes (at most 32) of HMAC-SHA256(key, data) into out. */
  tagInto(data: Uint8Array, out: Uint8Array): void;
}

export function createHmacSha256(key: Uint8Array): HmacSha256 {
  const keyed = hmac.create(sha256, key);
  let work: ReturnType<typeof keyed._cloneInto> | undefined;
  const full = new Uint8Array(32);
  return {
    tagInto(data, out) {
      work = keyed._cloneInto(work as Parameters<typeof keyed._cloneInto>[0]);
      work.update(data);
      work.digestInto(full);
      out.set(full.subarray(0, out.length));
    },
  };
}


export const platform = 'browser' as const;
