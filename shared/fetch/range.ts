// Which chunks a byte range needs, and cutting the verified chunks back down to the range.
import { chunkCount, chunkRange, type ManifestObject } from '../manifest';
import { ReefFetchError } from './errors';

/** Inclusive [start, end] like an HTTP Range header; undefined = the whole object. */
export type ByteRange = [number, number];

export function chunksForRange(entry: ManifestObject, range?: ByteRange): number[] {
  const n = chunkCount(entry);
  if (!range) return Array.from({ length: n }, (_, i) => i);
  const [start, end] = range;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end >= entry.size)
    throw new ReefFetchError('bad-request', `range ${start}-${end} is outside 0-${entry.size - 1}`);
  if (n === 1) return [0];
  const size = chunkRange(entry, 0).end;
  return Array.from({ length: Math.floor(end / size) - Math.floor(start / size) + 1 }, (_, k) => Math.floor(start / size) + k);
}

/** Concatenates the chunks (all verified, keyed by index) and trims to the range. */
export function assembleRange(entry: ManifestObject, chunks: Map<number, Uint8Array>, indices: number[], range?: ByteRange): Uint8Array {
  const from = range ? range[0] : 0;
  const to = range ? range[1] + 1 : entry.size;
  const out = new Uint8Array(to - from);
  for (const i of indices) {
    const { start, end } = chunkRange(entry, i);
    const bytes = chunks.get(i)!;
    const a = Math.max(start, from);
    const b = Math.min(end, to);
    if (b > a) out.set(bytes.subarray(a - start, b - start), a - from);
  }
  return out;
}
