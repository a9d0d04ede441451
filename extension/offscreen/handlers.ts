// What the offscreen side answers. In Chromium these run in the offscreen document; the Firefox build has no
// offscreen API (its background is a page with WebRTC), so there the background calls them in-process.
import '../shared/zod-jitless';
import type { EngineStats } from '../../shared/fetch/types';
import type { HandlerMap } from '../shared/messages';
import type { Options } from '../shared/options';
import { createBrowserEngine, type BrowserEngine } from './browser-engine';
import { IdbChunkStore } from './idb-chunk-store';
import { ObjectPipeline } from './pipeline';

let resolveConfigured: (o: Options) => void;
const configured = new Promise<Options>((r) => (resolveConfigured = r));
let options: Options | null = null;
let lastStats: EngineStats | null = null;

interface Running {
  store: IdbChunkStore;
  pipeline: ObjectPipeline;
  reef: BrowserEngine;
}

const ready: Promise<Running> = configured.then(async (opts) => {
  const store = await IdbChunkStore.open({ quotaBytes: opts.cacheQuotaBytes });
  const reef = createBrowserEngine(() => options!, store, (s) => (lastStats = s));
  await reef.engine.start();
  return { store, reef, pipeline: new ObjectPipeline(reef.engine) };
});

export const offscreenHandlers: HandlerMap<'offscreen'> = {
  async configure(opts) {
    const first = options === null;
    
    options = opts;
    if (first) resolveConfigured(opts);
    else {
      const r = await ready;
      await r.store.setQuota(opts.cacheQuotaBytes);
      r.reef.engine.policyChanged();
    }
    return true as const;
  },
  async 'fetch-object'(req) {
    const { pipeline } = await ready;
    return pipeline.deliver(req);
  },
  async 'prefetch-object'(req) {
    const { pipeline } = await ready;
    return pipeline.prefetch(req);
  },
  async preconnect({ integrities }) {
    const { reef } = await ready;
    return reef.engine.preconnect(integrities);
  },
  async 'engine-figures'() {
    const { pipeline, reef } = await ready;
    const s = reef.engine.stats();
    return {
      bytes: { ...pipeline.delivered },
      peersConnected: s.peersConnected,
      uploadedBytes: s.uploadedBytes,
      uploadUsedThisMonth: reef.uploads.used(),
      engine: s,
    };
  },
};

export function currentStats(): EngineStats | null {
  return lastStats;
}
