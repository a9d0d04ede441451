// The fallbacks: the seed proxy, then the origin. Both are plain HTTP(S) fetched by the injected
// httpFetch (which must send no cookies or credentials). Whatever they answer is verified chunk by
// chunk like peer bytes: a source whose bytes do not match the manifest is treated as wrong.
import { chunkRange, verifyChunk, type ManifestObject } from '../manifest';
import type { HttpFetch } from './types';

export type HttpSourceResult =
  | { ok: true; chunks: Map<number, Uint8Array> }
  /** `mismatch`: the source answered with bytes that fail verification (some chunks may have passed). */
  | { ok: false; why: 'mismatch' | 'http-error' | 'network' | 'timeout'; chunks: Map<number, Uint8Array>; detail: string };

/**
 * Fetches the byte span covering `indices` (one ranged request) and returns each verified chunk.
 * A 206 must cover exactly the asked span; a 200 must be the whole object.
 */
export async function fetchChunksOverHttp(
  httpFetch: HttpFetch,
  url: string,
  entry: ManifestObject,
  indices: number[],
  signal: AbortSignal,
): Promise<HttpSourceResult> {
  const chunks = new Map<number, Uint8Array>();
  if (indices.length === 0) return { ok: true, chunks };
  const spanStart = chunkRange(entry, indices[0]).start;
  const spanEnd = chunkRange(entry, indices[indices.length - 1]).end; // exclusive
  const whole = spanStart === 0 && spanEnd === entry.size;
  let res: { status: number; body: Uint8Array };
  try {
    res = await httpFetch(url, whole || entry.size === 0 ? { signal } : { range: [spanStart, spanEnd - 1], signal });
  } catch (e) {
    return { ok: false, why: signal.aborted ? 'timeout' : 'network', chunks, detail: e instanceof Error ? e.message : String(e) };
  }
  let base: number;
  if (res.status === 206 && res.body.length === spanEnd - spanStart) base = spanStart;
  else if (res.status === 200 && res.body.length === entry.size) base = 0;
  else if (res.status === 200 || res.status === 206) return { ok: false, why: 'mismatch', chunks, detail: `status ${res.status} with ${res.body.length} bytes` };
  else return { ok: false, why: 'http-error', chunks, detail: `HTTP ${res.status}` };
  let bad = 0;
  for (const i of indices) {
    const { start, end } = chunkRange(entry, i);
    const bytes = res.body.subarray(start - base, end - base);
    if (await verifyChunk(bytes, entry, i)) chunks.set(i, bytes);
    else bad++;
  }
  if (bad > 0) return { ok: false, why: 'mismatch', chunks, detail: `${bad} of ${indices.length} chunks failed verification` };
  return { ok: true, chunks };
}
