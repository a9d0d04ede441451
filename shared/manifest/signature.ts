// Ed25519 signatures over the canonical form (RFC 8785 JSON canonicalization) of a manifest without its signature.
import { ed25519 } from '@noble/curves/ed25519.js';
import { base64 } from '@scure/base';
import canonicalize from 'canonicalize';
import { ManifestError } from './errors';
import type { Manifest } from './types';

export interface KeyPair {
  alg: 'ed25519';
  publicKey: string;
  secretKey: string;
}

export function generateKeyPair(): KeyPair {
  const { secretKey, publicKey } = ed25519.keygen();
  return { alg: 'ed25519', publicKey: base64.encode(publicKey), secretKey: base64.encode(secretKey) };
}

export function publicKeyOf(secretKeyB64: string): string {
  return base64.encode(ed25519.getPublicKey(base64.decode(secretKeyB64)));
}

/** The exact bytes that are signed: the manifest minus `signature`, canonicalized. */
export function canonicalBytes(manifest: Manifest): Uint8Array {
  const { signature: _ignored, ...unsigned } = manifest;
  const text = canonicalize(unsigned);
  if (text === undefined) throw new Error('manifest cannot be canonicalized');
  return new TextEncoder().encode(text);
}

export function signManifest(manifest: Manifest, key: Pick<KeyPair, 'secretKey'>): Manifest {
  const secret = base64.decode(key.secretKey);
  if (secret.length !== 32) throw new Error('an Ed25519 secret key is 32 bytes');
  const unsigned: Manifest = { ...manifest };
  delete unsigned.signature;
  const value = ed25519.sign(canonicalBytes(unsigned), secret);
  return { ...unsigned, signature: { alg: 'ed25519', publicKey: base64.encode(ed25519.getPublicKey(secret)), value: base64.encode(value) } };
}

/** Throws ManifestError('signature-mismatch') unless the manifest carries a valid signature by its stated key. */
export function checkSignature(manifest: Manifest): void {
  const sig = manifest.signature;
  if (!sig) throw new ManifestError('bad-signature', '/signature', 'the manifest is not signed');
  let ok = false;
  try {
    ok = ed25519.verify(base64.decode(sig.value), canonicalBytes(manifest), base64.decode(sig.publicKey));
  } catch {
    ok = false;
  }
  if (!ok) throw new ManifestError('signature-mismatch', '/signature/value', 'the signature does not match the manifest and its public key');
}
