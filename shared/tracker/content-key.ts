// The index key of an object is derived from its SRI hash, never from its URL: the same bytes
// served from any URL meet in one swarm, and a URL alone reveals nothing about what is indexed.
//
// Chosen rule (documented in protocol.ts too): the key is the FIRST 20 BYTES of the SHA-256 digest
// carried by the SRI string `sha256-<base64 of 32 bytes>`. No hashing is needed (the digest is
// already uniform), it is synchronous in the browser, and 160 bits match the Coral/Kademlia id space.
import { SRI_SHA256 } from '../manifest/sri';
import { base64ToBytes } from './base64';

export const CONTENT_KEY_BYTES = 20;

/** `sha256-` followed by the 44-character padded base64 of a 32-byte digest (one rule, from shared/manifest). */
export const SRI_SHA256_RE = SRI_SHA256;

export function isSha256Integrity(integrity: string): boolean {
  return SRI_SHA256_RE.test(integrity);
}

/** Throws `Error('bad-integrity')` for anything but a single sha256 SRI value. */
export function contentKey(integrity: string): Uint8Array {
  // Runs for every lookup: one pattern test and one strict decode (what parseSri checks, done once).
  const digest = isSha256Integrity(integrity) ? base64ToBytes(integrity.slice(7)) : null;
  if (digest === null || digest.length !== 32) throw new Error('bad-integrity');
  return digest.slice(0, CONTENT_KEY_BYTES);
}
