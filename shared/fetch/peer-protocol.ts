// The peer <-> peer wire protocol on a WebRTC data channel: versioned binary frames.
//
// Every frame: u8 version (=1) | u8 type | body. Integers are big-endian. An object is named by the
// 32-byte SHA-256 digest inside its SRI integrity (never by URL). Bodies:
//   hello   u8 flags (bit0: I serve) | u16 n | n x holding        -- first frame each side sends
//   have    u16 n | n x holding                                     -- later holdings (or hello overflow)
//           holding = 32B digest | u32 chunkCount | ceil(chunkCount/8) bitfield bytes (MSB first)
//   request 32B digest | u32 chunkIndex | u32 reqId
//   piece   u32 reqId | u32 offset | u8 flags (bit0: last) | payload bytes
//   reject  u32 reqId | u8 reason (1 not-held, 2 over-cap, 3 disabled, 4 busy)
//   cancel  u32 reqId
// A frame is at most MAX_FRAME_BYTES (256 KiB, the SCTP message size browsers accept), so a chunk
// travels as several pieces. decodeFrame never throws: garbage is a typed error the caller counts.
import { base64 } from '@scure/base';
import { bitfieldBytes, paddingIsClear } from './bitfield';
import type { RejectReason } from './types';

export const PEER_PROTOCOL_VERSION = 1;
export const MAX_FRAME_BYTES = 256 * 1024;
const PIECE_HEADER_BYTES = 2 + 4 + 4 + 1;
export const MAX_PIECE_PAYLOAD_BYTES = MAX_FRAME_BYTES - PIECE_HEADER_BYTES;
/** The tracker's limit on chunks per object; the same bound keeps bitfields small here. */
export const MAX_CHUNKS_PER_OBJECT = 65_536;
const DIGEST_BYTES = 32;

export const FRAME_TYPE = { hello: 1, have: 2, request: 3, piece: 4, reject: 5, cancel: 6 } as const;
const REJECT_CODES: Record<RejectReason, number> = { 'not-held': 1, 'over-cap': 2, disabled: 3, busy: 4 };
const REJECT_BY_CODE = new Map(Object.entries(REJECT_CODES).map(([k, v]) => [v, k as RejectReason]));

export interface Holding {
  integrity: string;
  chunkCount: number;
  /** Bitfield of held chunks, MSB first, ceil(chunkCount/8) bytes. */
  have: Uint8Array;
}

export type PeerMessage =
  | { type: 'hello'; version: number; serves: boolean; holdings: Holding[] }
  | { type: 'have'; holdings: Holding[] }
  | { type: 'request'; integrity: string; chunkIndex: number; reqId: number }
  | { type: 'piece'; reqId: number; offset: number; last: boolean; bytes: Uint8Array }
  | { type: 'reject'; reqId: number; reason: RejectReason }
  | { type: 'cancel'; reqId: number };

export type PeerProtocolErrorCode = 'empty' | 'too-large' | 'bad-version' | 'unknown-type' | 'truncated' | 'bad-field' | 'trailing-bytes';
export type DecodeResult = { ok: true; msg: PeerMessage } | { ok: false; code: PeerProtocolErrorCode };

// ---- encoding ----------------------------------------------------------------------------------

export function integrityToDigest(integrity: string): Uint8Array {
  if (!/^sha256-[A-Za-z0-9+/]{43}=$/.test(integrity)) throw new Error(`not a sha256 integrity: ${integrity}`);
  const d = base64.decode(integrity.slice(7));
  if (d.length !== DIGEST_BYTES) throw new Error(`not a sha256 integrity: ${integrity}`);
  return d;
}

function digestToIntegrity(d: Uint8Array): string {
  return 'sha256-' + base64.encode(d);
}

function holdingBytes(h: Holding): number {
  return DIGEST_BYTES + 4 + bitfieldBytes(h.chunkCount);
}

function frame(type: number, bodyBytes: number): { out: Uint8Array; view: DataView } {
  const out = new Uint8Array(2 + bodyBytes);
  out[0] = PEER_PROTOCOL_VERSION;
  out[1] = type;
  return { out, view: new DataView(out.buffer) };
}

function writeHoldings(out: Uint8Array, view: DataView, o: number, holdings: Holding[]): void {
  view.setUint16(o, holdings.length);
  o += 2;
  for (const h of holdings) {
    out.set(integrityToDigest(h.integrity), o);
    view.setUint32(o + DIGEST_BYTES, h.chunkCount);
    o += DIGEST_BYTES + 4;
    const n = bitfieldBytes(h.chunkCount);
    if (h.have.length !== n) throw new Error('bitfield length does not match chunkCount');
    out.set(h.have, o);
    o += n;
  }
}

/**
 * Encodes holdings as one hello followed by as many `have` frames as needed so that no frame
 * exceeds MAX_FRAME_BYTES (a peer holding thousands of objects still greets in bounded frames).
 */
export function encodeHoldingFrames(serves: boolean, holdings: Holding[]): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let batch: Holding[] = [];
  let size = 0;
  const flush = (first: boolean) => {
    const head = first ? 3 : 2;
    const { out, view } = frame(first ? FRAME_TYPE.hello : FRAME_TYPE.have, head + size);
    if (first) out[2] = serves ? 1 : 0;
    writeHoldings(out, view, first ? 3 : 2, batch);
    frames.push(out);
    batch = [];
    size = 0;
  };
  for (const h of holdings) {
    const n = holdingBytes(h);
    if (batch.length > 0 && (2 + 3 + size + n > MAX_FRAME_BYTES || batch.length === 0xffff)) flush(frames.length === 0);
    batch.push(h);
    size += n;
  }
  if (frames.length === 0 || batch.length > 0) flush(frames.length === 0);
  return frames;
}

export function encodeHave(holdings: Holding[]): Uint8Array {
  const { out, view } = frame(FRAME_TYPE.have, 2 + holdings.reduce((s, h) => s + holdingBytes(h), 0));
  writeHoldings(out, view, 2, holdings);
  return out;
}

export function encodeRequest(integrity: string, chunkIndex: number, reqId: number): Uint8Array {
  const { out, view } = frame(FRAME_TYPE.request, DIGEST_BYTES + 8);
  out.set(integrityToDigest(integrity), 2);
  view.setUint32(2 + DIGEST_BYTES, chunkIndex);
  view.setUint32(6 + DIGEST_BYTES, reqId);
  return out;
}

export function encodePiece(reqId: number, offset: number, last: boolean, bytes: Uint8Array): Uint8Array {
  if (bytes.length > MAX_PIECE_PAYLOAD_BYTES) throw new Error('piece payload over MAX_PIECE_PAYLOAD_BYTES');
  const { out, view } = frame(FRAME_TYPE.piece, 9 + bytes.length);
  view.setUint32(2, reqId);
  view.setUint32(6, offset);
  out[10] = last ? 1 : 0;
  out.set(bytes, 11);
  return out;
}

export function encodeReject(reqId: number, reason: RejectReason): Uint8Array {
  const { out, view } = frame(FRAME_TYPE.reject, 5);
  view.setUint32(2, reqId);
  out[6] = REJECT_CODES[reason];
  return out;
}

export function encodeCancel(reqId: number): Uint8Array {
  const { out, view } = frame(FRAME_TYPE.cancel, 4);
  view.setUint32(2, reqId);
  return out;
}

export function encodeMessage(m: PeerMessage): Uint8Array {
  switch (m.type) {
    case 'hello': {
      const frames = encodeHoldingFrames(m.serves, m.holdings);
      if (frames.length !== 1) throw new Error('hello too large for one frame; use encodeHoldingFrames');
      return frames[0];
    }
    case 'have':
      return encodeHave(m.holdings);
    case 'request':
      return encodeRequest(m.integrity, m.chunkIndex, m.reqId);
    case 'piece':
      return encodePiece(m.reqId, m.offset, m.last, m.bytes);
    case 'reject':
      return encodeReject(m.reqId, m.reason);
    case 'cancel':
      return encodeCancel(m.reqId);
  }
}

// ---- decoding ----------------------------------------------------------------------------------

class Malformed {
  constructor(readonly code: PeerProtocolErrorCode) {}
}

/** A bounds-checked reader: every read past the end is a `truncated` fault, never an exception. */
class Reader {
  o = 2;
  private readonly view: DataView;
  constructor(private readonly b: Uint8Array) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  need(n: number): void {
    if (this.o + n > this.b.length) throw new Malformed('truncated');
  }
  u8(): number {
    this.need(1);
    return this.b[this.o++];
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.o);
    this.o += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.o);
    this.o += 4;
    return v;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return v;
  }
  rest(): Uint8Array {
    const v = this.b.subarray(this.o);
    this.o = this.b.length;
    return v;
  }
  end(): void {
    if (this.o !== this.b.length) throw new Malformed('trailing-bytes');
  }
}

function readHoldings(r: Reader): Holding[] {
  const n = r.u16();
  const out: Holding[] = [];
  for (let i = 0; i < n; i++) {
    const integrity = digestToIntegrity(r.bytes(DIGEST_BYTES));
    const chunkCount = r.u32();
    if (chunkCount < 1 || chunkCount > MAX_CHUNKS_PER_OBJECT) throw new Malformed('bad-field');
    // Copy: the caller keeps bitfields after the frame buffer is gone.
    const have = r.bytes(bitfieldBytes(chunkCount)).slice();
    if (!paddingIsClear(have, chunkCount)) throw new Malformed('bad-field');
    out.push({ integrity, chunkCount, have });
  }
  return out;
}

/** Decodes one frame. Never throws; a piece's `bytes` is a view into `b` (copy it to keep it). */
export function decodeFrame(b: Uint8Array): DecodeResult {
  if (!(b instanceof Uint8Array) || b.length === 0) return { ok: false, code: 'empty' };
  if (b.length > MAX_FRAME_BYTES) return { ok: false, code: 'too-large' };
  if (b[0] !== PEER_PROTOCOL_VERSION) return { ok: false, code: 'bad-version' };
  if (b.length < 2) return { ok: false, code: 'truncated' };
  const r = new Reader(b);
  try {
    let msg: PeerMessage;
    switch (b[1]) {
      case FRAME_TYPE.hello: {
        const flags = r.u8();
        if (flags > 1) throw new Malformed('bad-field');
        msg = { type: 'hello', version: b[0], serves: flags === 1, holdings: readHoldings(r) };
        break;
      }
      case FRAME_TYPE.have:
        msg = { type: 'have', holdings: readHoldings(r) };
        break;
      case FRAME_TYPE.request: {
        const integrity = digestToIntegrity(r.bytes(DIGEST_BYTES));
        const chunkIndex = r.u32();
        if (chunkIndex >= MAX_CHUNKS_PER_OBJECT) throw new Malformed('bad-field');
        msg = { type: 'request', integrity, chunkIndex, reqId: r.u32() };
        break;
      }
      case FRAME_TYPE.piece: {
        const reqId = r.u32();
        const offset = r.u32();
        const flags = r.u8();
        if (flags > 1) throw new Malformed('bad-field');
        msg = { type: 'piece', reqId, offset, last: flags === 1, bytes: r.rest() };
        break;
      }
      case FRAME_TYPE.reject: {
        const reqId = r.u32();
        const reason = REJECT_BY_CODE.get(r.u8());
        if (!reason) throw new Malformed('bad-field');
        msg = { type: 'reject', reqId, reason };
        break;
      }
      case FRAME_TYPE.cancel:
        msg = { type: 'cancel', reqId: r.u32() };
        break;
      default:
        return { ok: false, code: 'unknown-type' };
    }
    r.end();
    return { ok: true, msg };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, code: e.code };
    return { ok: false, code: 'bad-field' };
  }
}
