// One WebRTC data channel to one remote peer, speaking peer-protocol.ts: greets with our holdings,
// tracks the remote's holdings, reassembles requested chunks from pieces, and sends the chunks we
// serve as pieces under back-pressure (bufferSize high-water mark, polled on the injected clock) and
// the upload rate bucket. It does not decide anything: the engine says what to request and serve.
import {
  decodeFrame,
  encodeCancel,
  encodeHave,
  encodeHoldingFrames,
  encodePiece,
  encodeReject,
  encodeRequest,
  MAX_PIECE_PAYLOAD_BYTES,
  type Holding,
  type PeerProtocolErrorCode,
} from './peer-protocol';
import { hasBit } from './bitfield';
import type { ByteBucket } from './token-bucket';
import type { Clock, RejectReason, SimplePeerLike } from './types';

export const PEER_LINK_DEFAULTS = {
  /** Stop queuing pieces above this many bytes buffered in the channel (browsers throw past ~16 MiB). */
  highWaterBytes: 4 * 1024 * 1024,
  /** How often to look at bufferSize again while above the high-water mark. */
  drainPollMs: 2,
  pieceBytes: 64 * 1024,
  /** A peer sending more undecodable frames than this is disconnected. */
  maxGarbageFrames: 16,
  /** Requests from one peer waiting to be served; more are answered `busy`. */
  maxQueuedUploads: 32,
};
export type PeerLinkConfig = typeof PEER_LINK_DEFAULTS;

export type DownloadResult =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; reason: RejectReason | 'closed' | 'protocol' | 'cancelled' };

export interface PeerLinkHandlers {
  /** The remote's hello arrived: it may now be asked for chunks. */
  onReady(link: PeerLink): void;
  onHave(link: PeerLink, holdings: Holding[]): void;
  /** The engine answers with link.serve(...) or link.reject(...). */
  onRequest(link: PeerLink, req: { integrity: string; chunkIndex: number; reqId: number }): void;
  onCancelUpload(link: PeerLink, reqId: number): void;
  onUploaded(link: PeerLink, bytes: number, reqId: number, done: boolean): void;
  onGarbage(link: PeerLink, code: PeerProtocolErrorCode): void;
  onClose(link: PeerLink): void;
}

interface Download {
  integrity: string;
  chunkIndex: number;
  expected: number;
  buf: Uint8Array | null;
  received: number;
  resolve: (r: DownloadResult) => void;
}

interface Upload {
  reqId: number;
  bytes: Uint8Array;
  offset: number;
}

let linkSeq = 0;

export class PeerLink {
  readonly id = ++linkSeq;
  readonly cfg: PeerLinkConfig;
  helloReceived = false;
  remoteServes = false;
  connected = false;
  closed = false;
  readonly holdings = new Map<string, Holding>();
  private readonly downloads = new Map<number, Download>();
  private readonly uploads: Upload[] = [];
  private nextReqId = 1;
  private garbage = 0;
  private pumpTimer: unknown = null;

  constructor(
    readonly remotePeerId: string,
    readonly sid: string,
    readonly peer: SimplePeerLike,
    private readonly deps: {
      clock: Clock;
      handlers: PeerLinkHandlers;
      uploadBucket: ByteBucket;
      /** Our hello: evaluated when the channel opens, so it reflects current holdings and policy. */
      localHello: () => { serves: boolean; holdings: Holding[] };
    },
    cfg: Partial<PeerLinkConfig> = {},
  ) {
    this.cfg = { ...PEER_LINK_DEFAULTS, ...cfg };
    this.cfg.pieceBytes = Math.min(this.cfg.pieceBytes, MAX_PIECE_PAYLOAD_BYTES);
    peer.on('connect', () => this.onConnect());
    peer.on('data', (d) => this.onData(d));
    peer.on('close', () => this.shutdown());
    peer.on('error', () => this.shutdown());
  }

  /** Whether the remote said it holds chunk `index` of `integrity`. */
  has(integrity: string, index: number): boolean {
    const h = this.holdings.get(integrity);
    return h !== undefined && hasBit(h.have, index);
  }

  get inFlight(): number {
    return this.downloads.size;
  }

  /** Asks for one chunk of `expectedBytes`; the promise settles once, never rejects. */
  request(integrity: string, chunkIndex: number, expectedBytes: number): { reqId: number; done: Promise<DownloadResult> } {
    const reqId = this.nextReqId++;
    const done = new Promise<DownloadResult>((resolve) => {
      if (this.closed) return resolve({ ok: false, reason: 'closed' });
      this.downloads.set(reqId, { integrity, chunkIndex, expected: expectedBytes, buf: null, received: 0, resolve });
      this.send(encodeRequest(integrity, chunkIndex, reqId));
    });
    return { reqId, done };
  }

  cancel(reqId: number): void {
    const d = this.downloads.get(reqId);
    if (!d) return;
    this.downloads.delete(reqId);
    d.resolve({ ok: false, reason: 'cancelled' });
    this.send(encodeCancel(reqId));
  }

  sendHave(holdings: Holding[]): void {
    if (this.connected && holdings.length > 0) this.send(encodeHave(holdings));
  }

  reject(reqId: number, reason: RejectReason): void {
    this.send(encodeReject(reqId, reason));
  }

  /** Queues a verified chunk for upload as pieces. Returns false (and sends busy) when the queue is full. */
  serve(reqId: number, bytes: Uint8Array): boolean {
    if (this.closed) return false;
    if (this.uploads.length >= this.cfg.maxQueuedUploads) {
      this.reject(reqId, 'busy');
      return false;
    }
    this.uploads.push({ reqId, bytes, offset: 0 });
    this.pump();
    return true;
  }

  get queuedUploads(): number {
    return this.uploads.length;
  }

  close(): void {
    this.shutdown();
  }

  // ---- internals -------------------------------------------------------------------------------

  private onConnect(): void {
    if (this.closed || this.connected) return;
    this.connected = true;
    const hello = this.deps.localHello();
    for (const f of encodeHoldingFrames(hello.serves, hello.holdings)) this.send(f);
  }

  private send(frame: Uint8Array): void {
    if (this.closed || !this.connected) return;
    try {
      this.peer.send(frame);
    } catch {
      this.shutdown();
    }
  }

  private onData(data: Uint8Array): void {
    if (this.closed) return;
    // simple-peer emits 'connect' only after an asynchronous getStats() once the channel is open, so the
    // remote's hello can arrive first (seen in Chromium under load). Until then send() dropped every
    // frame: the requests the engine made on that hello went nowhere, each fetch waited for its chunk
    // timeouts and went to the origin. A frame received proves the channel is open: connect now.
    if (!this.connected) this.onConnect();
    const r = decodeFrame(data);
    if (!r.ok) return this.fault(r.code);
    const m = r.msg;
    switch (m.type) {
      case 'hello':
        if (this.helloReceived) return this.fault('bad-field');
        this.helloReceived = true;
        this.remoteServes = m.serves;
        this.addHoldings(m.holdings);
        this.deps.handlers.onReady(this);
        return;
      case 'have':
        if (!this.helloReceived) return this.fault('bad-field');
        this.addHoldings(m.holdings);
        this.deps.handlers.onHave(this, m.holdings);
        return;
      case 'request':
        return this.deps.handlers.onRequest(this, m);
      case 'cancel': {
        const i = this.uploads.findIndex((u) => u.reqId === m.reqId);
        if (i > 0 || (i === 0 && this.uploads[0].offset === 0)) this.uploads.splice(i, 1);
        else if (i === 0) this.uploads[0].bytes = this.uploads[0].bytes.subarray(0, this.uploads[0].offset); // ends at next pump
        this.deps.handlers.onCancelUpload(this, m.reqId);
        return;
      }
      case 'reject': {
        const d = this.downloads.get(m.reqId);
        if (!d) return;
        this.downloads.delete(m.reqId);
        d.resolve({ ok: false, reason: m.reason });
        return;
      }
      case 'piece':
        return this.onPiece(m.reqId, m.offset, m.last, m.bytes);
    }
  }

  private onPiece(reqId: number, offset: number, last: boolean, bytes: Uint8Array): void {
    const d = this.downloads.get(reqId);
    if (!d) return; // cancelled or timed out: late pieces are expected, not a fault
    // Pieces arrive in order on a reliable ordered channel; anything else is a misbehaving peer.
    if (offset !== d.received || d.received + bytes.length > d.expected || last !== (d.received + bytes.length === d.expected)) {
      this.downloads.delete(reqId);
      d.resolve({ ok: false, reason: 'protocol' });
      return;
    }
    if (last && offset === 0) {
      d.buf = bytes.slice();
    } else {
      d.buf ??= new Uint8Array(d.expected);
      d.buf.set(bytes, offset);
    }
    d.received += bytes.length;
    if (last) {
      this.downloads.delete(reqId);
      d.resolve({ ok: true, bytes: d.buf });
    }
  }

  private addHoldings(holdings: Holding[]): void {
    for (const h of holdings) {
      const old = this.holdings.get(h.integrity);
      if (old && old.chunkCount === h.chunkCount) for (let i = 0; i < h.have.length; i++) old.have[i] |= h.have[i];
      else this.holdings.set(h.integrity, { ...h, have: h.have.slice() });
    }
  }

  private fault(code: PeerProtocolErrorCode): void {
    this.deps.handlers.onGarbage(this, code);
    if (++this.garbage > this.cfg.maxGarbageFrames) this.shutdown();
  }

  /** Sends queued pieces until the channel is above its high-water mark or the rate cap says wait. */
  private pump(): void {
    if (this.pumpTimer !== null || this.closed) return;
    while (this.uploads.length > 0) {
      if (this.peer.bufferSize > this.cfg.highWaterBytes) return this.schedulePump(this.cfg.drainPollMs);
      const u = this.uploads[0];
      const n = Math.min(this.cfg.pieceBytes, u.bytes.length - u.offset);
      const done = u.offset + n >= u.bytes.length;
      if (u.offset >= u.bytes.length && u.offset > 0) {
        // Cancelled mid-chunk: stop sending its pieces.
        this.uploads.shift();
        continue;
      }
      const waitMs = this.deps.uploadBucket.take(n);
      if (waitMs === Infinity) {
        this.uploads.shift();
        this.reject(u.reqId, 'over-cap');
        continue;
      }
      if (waitMs > 0) return this.schedulePump(waitMs);
      this.send(encodePiece(u.reqId, u.offset, done, u.bytes.subarray(u.offset, u.offset + n)));
      if (this.closed) return;
      u.offset += n;
      if (done) this.uploads.shift();
      this.deps.handlers.onUploaded(this, n, u.reqId, done);
    }
  }

  private schedulePump(ms: number): void {
    this.pumpTimer = this.deps.clock.setTimeout(() => {
      this.pumpTimer = null;
      this.pump();
    }, ms);
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    if (this.pumpTimer !== null) this.deps.clock.clearTimeout(this.pumpTimer);
    this.pumpTimer = null;
    for (const d of this.downloads.values()) d.resolve({ ok: false, reason: 'closed' });
    this.downloads.clear();
    this.uploads.length = 0;
    try {
      this.peer.destroy();
    } catch {
      // already destroyed
    }
    this.deps.handlers.onClose(this);
  }
}
