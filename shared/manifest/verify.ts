// Checking bytes against the publisher's hashes: a whole object, or one chunk of it.
import { sha256 } from '#platform/digest';
import { formatSri } from './sri';
import type { ManifestObject } from './types';

export function isChunked(entry: ManifestObject): entry is ManifestObject & { chunkSize: number; chunks: string[] } {
  return entry.chunks !== undefined && entry.chunkSize !== undefined;
}

export function chunkCount(entry: ManifestObject): number {
  return isChunked(entry) ? entry.chunks.length : 1;
}

/** Byte range [start, end) of chunk `index`; an unchunked object is one chunk. */
export function chunkRange(entry: ManifestObject, index: number): { start: number; end: number } {
  const n = chunkCount(entry);
  if (!Number.isInteger(index) || index < 0 || index >= n) throw new RangeError(`chunk ${index} out of 0..${n - 1}`);
  if (!isChunked(entry)) return { start: 0, end: entry.size };
  const start = index * entry.chunkSize;
  return { start, end: Math.min(entry.size, start + entry.chunkSize) };
}

export function chunkIntegrity(entry: ManifestObject, index: number): string {
  chunkRange(entry, index);
  return isChunked(entry) ? entry.chunks[index] : entry.integrity;
}

export async function matchesIntegrity(bytes: Uint8Array, integrity: string): Promise<boolean> {
  return formatSri(await sha256(bytes)) === integrity;
}

export async function verifyObject(bytes: Uint8Array, entry: ManifestObject): Promise<boolean> {
  return bytes.byteLength === entry.size && matchesIntegrity(bytes, entry.integrity);
}

export async function verifyChunk(bytes: Uint8Array, entry: ManifestObject, index: number): Promise<boolean> {
  const { start, end } = chunkRange(entry, index);
  return bytes.byteLength === end - start && matchesIntegrity(bytes, chunkIntegrity(entry, index));
}
