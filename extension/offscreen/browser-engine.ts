// The fetch engine wired to the browser: WebSocket to the tracker, simple-peer over the page's RTCPeerConnection,
// the IndexedDB store, fetch() without credentials, and the user's serving policy. simple-peer comes from its
// own prebuilt browser file (loaded as a classic script by offscreen.html): it needs no Node polyfills that way.
import { FetchEngine } from '../../shared/fetch/engine';
import { systemClock, type CreatePeer, type EngineStats, type HttpFetch, type ServePolicy, type SimplePeerLike, type WebSocketLike } from '../../shared/fetch/types';
import type { Options } from '../shared/options';
import type { IdbChunkStore } from './idb-chunk-store';
import { MonthlyUploadCounter } from './upload-counter';

type SimplePeerCtor = new (opts: { initiator: boolean; config: RTCConfiguration; trickle: boolean }) => SimplePeerLike;

export const browserHttpFetch: HttpFetch = async (url, init) => {
  const headers: Record<string, string> = {};
  if (init.range) headers.range = `bytes=${init.range[0]}-${init.range[1]}`;
  // Never cookies or credentials: verified bytes are the same for everyone.
  const res = await fetch(url, { headers, credentials: 'omit', referrerPolicy: 'no-referrer', signal: init.signal });
  return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
};

const createPeer: CreatePeer = ({ initiator, iceServers }) => {
  const SimplePeer = (globalThis as { SimplePeer?: SimplePeerCtor }).SimplePeer;
  if (!SimplePeer) throw new Error('simple-peer is not loaded');
  return new SimplePeer({ initiator, config: { iceServers: iceServers as RTCIceServer[] }, trickle: true });
};

/**
 * A WebSocketLike that is never connected, for when no tracker is configured: it reports a close, and the
 * session's reconnect backoff asks again later (by then the user may have set a tracker).
 */
function noTracker(): WebSocketLike {
  const ws: WebSocketLike = { send() {}, close() {}, onopen: null, onmessage: null, onclose: null, onerror: null };
  setTimeout(() => ws.onclose?.({ code: 1006 }), 0);
  return ws;
}

export interface BrowserEngine {
  engine: FetchEngine;
  uploads: MonthlyUploadCounter;
}

export function createBrowserEngine(getOptions: () => Options, store: IdbChunkStore, onStats: (s: EngineStats) => void): BrowserEngine {
  const uploads = new MonthlyUploadCounter(localStorage, systemClock.now);
  let nextTracker = 0;
  let lastUploaded = 0;
  const policy = (): ServePolicy => {
    const o = getOptions();
    return {
      serve: o.enabled && !o.neverServe,
      disabledSites: o.disabledSites,
      uploadBytesPerSec: o.uploadBytesPerSec,
      uploadBytesPerMonth: o.uploadBytesPerMonth,
      uploadUsedThisMonth: uploads.used(),
    };
  };
  const patience = getOptions().peerWaitMs;
  const engine = new FetchEngine({
    clock: systemClock,
    trackerSocket: () => {
      const urls = getOptions().trackers;
      if (urls.length === 0) return noTracker();
      // Round-robin on reconnect: a dead tracker does not pin us.
      const url = urls[nextTracker++ % urls.length];
      return new WebSocket(url) as unknown as WebSocketLike;
    },
    createPeer,
    store,
    httpFetch: browserHttpFetch,
    policy,
    onStats: (s) => {
      uploads.add(s.uploadedBytes - lastUploaded);
      lastUploaded = s.uploadedBytes;
      onStats(s);
    },
  }, {
    // With no tracker configured there is nothing to wait for: straight to the seed or the origin.
    fetch: { firstChunkDeadlineMs: patience, lookupTimeoutMs: patience, trackerWaitMs: getOptions().trackers.length ? Math.min(patience, 5_000) : 0 },
  });
  return { engine, uploads };
}
