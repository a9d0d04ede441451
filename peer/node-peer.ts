// A headless Reef peer in Node: the shared FetchEngine wired to `ws` (tracker), node-datachannel
// (WebRTC) and a directory or memory chunk store. Used by `reef peer`, the tests and the bench.
import WebSocket from 'ws';
import { FetchEngine, type FetchEngineInit } from '../shared/fetch/engine';
import { MemoryChunkStore, type ChunkStore } from '../shared/fetch/chunk-store';
import { systemClock, type Clock, type EngineStats, type HttpFetch, type ServePolicy, type WebSocketLike } from '../shared/fetch/types';
import { nodeHttpFetch } from './node-http-fetch';
import { nodeRtcPeerFactory } from './node-rtc';

export const NODE_PEER_DEFAULTS: ServePolicy = {
  serve: true,
  disabledSites: [],
  uploadBytesPerSec: Infinity,
  uploadBytesPerMonth: Infinity,
  uploadUsedThisMonth: 0,
};

export interface NodePeerOptions extends FetchEngineInit {
  trackerUrl: string;
  store?: ChunkStore;
  /** Only for loopback-only hosts (tests): node-datachannel then gathers 127.0.0.1 candidates. */
  bindAddress?: string;
  /** A fixed policy, or a function read before every served chunk. */
  policy?: Partial<ServePolicy> | (() => ServePolicy);
  httpFetch?: HttpFetch;
  clock?: Clock;
  onStats?: (s: EngineStats) => void;
}

export interface NodePeer {
  engine: FetchEngine;
  store: ChunkStore;
  stop(): Promise<void>;
}

export async function createNodePeer(opts: NodePeerOptions): Promise<NodePeer> {
  const store = opts.store ?? new MemoryChunkStore();
  let policy: () => ServePolicy;
  if (typeof opts.policy === 'function') policy = opts.policy;
  else {
    // The process keeps its own monthly counter: fed from the engine's stats (see engine.ts).
    const fixed = { ...NODE_PEER_DEFAULTS, ...opts.policy };
    policy = () => fixed;
  }
  let lastUploaded = 0;
  const engine = new FetchEngine(
    {
      clock: opts.clock ?? systemClock,
      trackerSocket: () => new WebSocket(opts.trackerUrl, { perMessageDeflate: false }) as unknown as WebSocketLike,
      createPeer: nodeRtcPeerFactory({ bindAddress: opts.bindAddress }),
      store,
      httpFetch: opts.httpFetch ?? nodeHttpFetch,
      policy,
      onStats: (s) => {
        if (typeof opts.policy !== 'function') {
          const p = policy();
          p.uploadUsedThisMonth += s.uploadedBytes - lastUploaded;
        }
        lastUploaded = s.uploadedBytes;
        opts.onStats?.(s);
      },
    },
    opts,
  );
  await engine.start();
  return { engine, store, stop: () => engine.stop() };
}
