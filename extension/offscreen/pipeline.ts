// How the offscreen document gets the verified bytes of one listed object: the local cache first, then the fetch
// engine (peers, seeds, then the origin — each verified), caching whatever verified bytes it got. When nothing
// verified can be had the caller is told so, and it hands the page the normal origin response instead.
import { base64 } from '@scure/base';
import { chunkCount, chunkRange, verifyObject, type ManifestObject } from '../../shared/manifest';
import type { FetchResult, Source } from '../shared/messages';
import type { IdbChunkStore } from './idb-chunk-store';

export interface ObjectRequest {
  site: string;
  path: string;
  entry: ManifestObject;
  originUrl: string;
}

/** The part of the fetch engine this document uses (shared/fetch/engine.ts provides it). */
export interface ObjectFetcher {
  fetchObject(req: ObjectRequest): Promise<{ bytes: Uint8Array; source: Source }>;
}

export type Tally = Source & { cache: number };

export class ObjectPipeline {
  readonly delivered: Tally = { peer: 0, seed: 0, origin: 0, cache: 0 };

  constructor(
    private readonly store: IdbChunkStore,
    private readonly fetcher: ObjectFetcher,
  ) {}

  async deliver(req: ObjectRequest): Promise<FetchResult> {
    const { entry } = req;
    const cached = await this.store.getObject(entry.integrity);
    // Re-verify on the way out: cheap (native SHA-256), and it keeps a damaged disk from ever reaching a page.
    if (cached && (await verifyObject(cached.bytes, entry))) {
      this.delivered.cache += entry.size;
      return ok(cached.bytes, entry, { peer: 0, seed: 0, origin: 0, cache: entry.size });
    }
    if (cached) await this.store.deleteObject(entry.integrity);
    let got: { bytes: Uint8Array; source: Source };
    try {
      got = await this.fetcher.fetchObject(req);
    } catch (err) {
      return { ok: false, reason: (err as Error).message || String(err) };
    }
    if (!(await verifyObject(got.bytes, entry))) return { ok: false, reason: 'fetcher returned bytes that do not match the manifest' };
    this.delivered.peer += got.source.peer;
    this.delivered.seed += got.source.seed;
    this.delivered.origin += got.source.origin;
    await this.cacheObject(req, got.bytes);
    return ok(got.bytes, entry, { ...got.source, cache: 0 });
  }

  /** Stores a verified object chunk by chunk (a no-op for chunks the store already holds). */
  private async cacheObject(req: ObjectRequest, bytes: Uint8Array): Promise<void> {
    const n = chunkCount(req.entry);
    const meta = { size: req.entry.size, chunkCount: n, type: req.entry.type, site: req.site };
    for (let i = 0; i < n; i++) {
      const { start, end } = chunkRange(req.entry, i);
      await this.store.putChunk(req.entry.integrity, i, bytes.subarray(start, end), meta);
    }
  }
}

function ok(bytes: Uint8Array, entry: ManifestObject, sources: Tally): FetchResult {
  const source = (Object.entries(sources) as Array<[keyof Tally, number]>).sort((a, b) => b[1] - a[1])[0][0];
  return { ok: true, body: base64.encode(bytes), type: entry.type, size: entry.size, source, sources };
}
