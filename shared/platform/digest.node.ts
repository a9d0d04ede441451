// Node: node:crypto hashes at OpenSSL speed (about 1.5 GB/s here), faster than WebCrypto in Node.
import { createHash } from 'node:crypto';

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return sha256Sync(data);
}

export function sha256Sync(data: Uint8Array): Uint8Array {
  const d = createHash('sha256').update(data).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

export const platform = 'node' as const;
