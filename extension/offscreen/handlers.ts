// What the offscreen side answers. In Chromium these run in the offscreen document; the Firefox build has no
// offscreen API (its background is a page with WebRTC), so there the background calls them in-process.
import type { HandlerMap } from '../shared/messages';
import type { Options } from '../shared/options';
import { IdbChunkStore } from './idb-chunk-store';
import { originFetcher } from './origin-fetcher';
import { ObjectPipeline } from './pipeline';

let resolveConfigured: (o: Options) => void;
const configured = new Promise<Options>((r) => (resolveConfigured = r));
let options: Options | null = null;

const ready: Promise<{ store: IdbChunkStore; pipeline: ObjectPipeline }> = configured.then(async (opts) => {
  const store = await IdbChunkStore.open({ quotaBytes: opts.cacheQuotaBytes });
  return { store, pipeline: new ObjectPipeline(store, originFetcher) };
});

export const offscreenHandlers: HandlerMap<'offscreen'> = {
  async configure(opts) {
    const first = options === null;
    options = opts;
    if (first) resolveConfigured(opts);
    else await (await ready).store.setQuota(opts.cacheQuotaBytes);
    return true as const;
  },
  async 'fetch-object'(req) {
    const { pipeline } = await ready;
    return pipeline.deliver(req);
  },
  async 'engine-figures'() {
    const { pipeline } = await ready;
    return { bytes: { ...pipeline.delivered }, peersConnected: 0, uploadedBytes: 0, uploadUsedThisMonth: 0 };
  },
};
