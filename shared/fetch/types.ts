// The seams of the fetch engine: everything with I/O or time is injected through these interfaces,
// so the same engine runs in the extension's offscreen document (browser WebSocket, browser
// RTCPeerConnection under simple-peer) and in `reef peer` (ws, node-datachannel).

export { systemClock, type Clock } from '../clock';

/**
 * The part of a WebSocket the tracker session uses. The browser's WebSocket fits as-is once opened
 * (assign the handlers); Node's `ws` fits too (it supports onmessage/onclose/onopen properties).
 */
export interface WebSocketLike {
  send(text: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev?: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev?: unknown) => void) | null;
  onerror: ((ev?: unknown) => void) | null;
}

/** The simple-peer signal payloads the engine relays through the tracker. */
export type SimplePeerSignal =
  | { type: 'offer' | 'answer'; sdp: string }
  | { type: 'candidate'; candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } }
  | { type: string; [k: string]: unknown };

/**
 * The part of a simple-peer 9 instance the engine uses. `send` is simple-peer's direct channel write
 * (not the stream `write`, which waits for its 64 KiB drain): the engine does its own back-pressure
 * on `bufferSize` so a chunk can be pipelined at data-channel speed.
 */
export interface SimplePeerLike {
  signal(data: SimplePeerSignal | string): void;
  send(data: Uint8Array): void;
  destroy(err?: Error): void;
  readonly bufferSize: number;
  readonly connected: boolean;
  on(event: 'signal', fn: (data: SimplePeerSignal) => void): unknown;
  on(event: 'connect' | 'close', fn: () => void): unknown;
  on(event: 'data', fn: (data: Uint8Array) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
}

export interface IceServerLike {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export type CreatePeer = (opts: { initiator: boolean; iceServers: IceServerLike[] }) => SimplePeerLike;

/** How an HTTP source (seed proxy or origin) is fetched. Must never send cookies or credentials. */
export type HttpFetch = (
  url: string,
  init: { range?: [number, number]; signal?: AbortSignal },
) => Promise<{ status: number; body: Uint8Array }>;

/** The user's sharing choices, read afresh before every chunk served. */
export interface ServePolicy {
  /** false = "fetch but never serve". */
  serve: boolean;
  /** Origins (e.g. `https://example.com`) whose objects are never served to peers. */
  disabledSites: string[];
  /** Upload rate cap; Infinity = no cap, 0 = serve nothing. */
  uploadBytesPerSec: number;
  /** Monthly upload volume cap; Infinity = no cap. */
  uploadBytesPerMonth: number;
  /**
   * Bytes uploaded this month so far, as the caller persists it. The engine adds the bytes it has
   * served since the last stats event it emitted (see FetchEngine docs), so a caller that adds
   * `uploadedBytes` deltas from onStats is exact.
   */
  uploadUsedThisMonth: number;
}

export interface SourceBytes {
  peer: number;
  seed: number;
  origin: number;
}

export interface EngineStats {
  peerId: string | null;
  trackerConnected: boolean;
  peersConnected: number;
  /** Verified bytes obtained, by source. */
  downloaded: SourceBytes;
  uploadedBytes: number;
  chunksServed: number;
  /** Requests refused, by reason. */
  rejectsSent: Record<RejectReason, number>;
  /** Peers dropped for sending a chunk that failed verification (never used again). */
  badPeers: number;
  badChunks: number;
  /** Frames from peers that did not decode (counted and dropped). */
  garbageFrames: number;
  /** Fallback sources that answered with bytes not matching the manifest. */
  badSourceResponses: number;
  objectsFetched: number;
  objectsFailed: number;
  perSite: Record<string, { downloaded: SourceBytes; uploadedBytes: number }>;
}

export type RejectReason = 'not-held' | 'over-cap' | 'disabled' | 'busy';
