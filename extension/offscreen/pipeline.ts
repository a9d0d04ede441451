// How the offscreen side answers "the verified bytes of this listed object": the fetch engine (local cache, then
// peers, then seed and origin — every chunk verified, every verified chunk cached), checked once more as a whole
// before it leaves for a page. When nothing verified can be had the caller is told so, and the page gets the
// normal origin response instead.
import { base64 } from '@scure/base';
import type { FetchRequest, FetchResult as EngineResult } from '../../shared/fetch/object-fetch';
import { verifyObject, type ManifestObject } from '../../shared/manifest';
import type { FetchResult, Source } from '../shared/messages';

export type ObjectRequest = FetchRequest;

/** The part of the fetch engine this side uses. */
export interface ObjectFetcher {
  fetchObject(req: FetchRequest): Promise<EngineResult>;
}

export type Tally = Source & { cache: number };

export class ObjectPipeline {
  /** Bytes handed to pages, by source (whole chunks). */
  readonly delivered: Tally = { peer: 0, seed: 0, origin: 0, cache: 0 };

  constructor(private readonly fetcher: ObjectFetcher) {}

  async deliver(req: ObjectRequest): Promise<FetchResult> {
    const got = await this.fetchVerified(req);
    if ('reason' in got) return { ok: false, reason: got.reason };
    return ok(got.bytes, req.entry, got.sources);
  }

  /** Fetches into the cache and reports where the bytes came from and how long it took, without the bytes. */
  async prefetch(req: ObjectRequest): Promise<{ ok: true; sources: Tally; ms: number } | { ok: false; reason: string }> {
    const started = performance.now();
    const got = await this.fetchVerified(req);
    if ('reason' in got) return { ok: false, reason: got.reason };
    return { ok: true, sources: got.sources, ms: performance.now() - started };
  }

  private async fetchVerified(req: ObjectRequest): Promise<{ bytes: Uint8Array; sources: Tally } | { reason: string }> {
    let got: EngineResult;
    try {
      got = await this.fetcher.fetchObject({ ...req, range: undefined });
    } catch (err) {
      return { reason: (err as Error).message || String(err) };
    }
    // The engine verified every chunk; this whole-object check costs one native SHA-256 and guards the seam.
    if (!(await verifyObject(got.bytes, req.entry))) return { reason: 'assembled bytes do not match the manifest' };
    const sources: Tally = { peer: got.source.peer, seed: got.source.seed, origin: got.source.origin, cache: got.source.cache };
    for (const k of Object.keys(sources) as Array<keyof Tally>) this.delivered[k] += sources[k];
    return { bytes: got.bytes, sources };
  }
}

function ok(bytes: Uint8Array, entry: ManifestObject, sources: Tally): FetchResult {
  const source = (Object.entries(sources) as Array<[keyof Tally, number]>).sort((a, b) => b[1] - a[1])[0][0];
  return { ok: true, body: base64.encode(bytes), type: entry.type, size: entry.size, source, sources };
}
