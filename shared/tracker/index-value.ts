// The opaque bytes a tracker stores in the Coral index under contentKey(integrity): who holds the
// object and which tracker can reach them. Binary and length-prefixed so values stay small (the
// index replicates them) and decoding untrusted bytes is a bounded walk that never throws.
//
// Layout (version 1):
//   u8 version=1 | u8 len, peerId (ASCII) | 20 bytes tracker node id | u8 len, tracker addr (UTF-8)
//   | u8 len, cluster (UTF-8) | u32 BE chunk count (0 = whole object) | ceil(count/8) bitfield bytes
import { base64ToBytes, bytesToBase64, bytesToHex } from './base64';
import { MAX_CHUNKS, type ChunkBitfield, type TrackerRef } from './protocol';

export const INDEX_VALUE_VERSION = 1;

export interface IndexValue {
  peerId: string;
  tracker: TrackerRef;
  cluster: string;
  chunks?: ChunkBitfield;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function encodeIndexValue(v: IndexValue): Uint8Array {
  const peer = enc.encode(v.peerId);
  const addr = enc.encode(v.tracker.addr);
  const cluster = enc.encode(v.cluster);
  if (peer.length > 255 || addr.length > 255 || cluster.length > 255) throw new Error('index-value-field-too-long');
  const bits = v.chunks ? base64ToBytes(v.chunks.have) : new Uint8Array(0);
  if (!bits) throw new Error('index-value-bad-bitfield');
  const out = new Uint8Array(1 + 1 + peer.length + 20 + 1 + addr.length + 1 + cluster.length + 4 + bits.length);
  let o = 0;
  out[o++] = INDEX_VALUE_VERSION;
  out[o++] = peer.length;
  out.set(peer, o);
  o += peer.length;
  out.set(hexToBytes(v.tracker.id), o);
  o += 20;
  out[o++] = addr.length;
  out.set(addr, o);
  o += addr.length;
  out[o++] = cluster.length;
  out.set(cluster, o);
  o += cluster.length;
  new DataView(out.buffer).setUint32(o, v.chunks?.count ?? 0);
  o += 4;
  out.set(bits, o);
  return out;
}

/** Returns null for bytes that are not a well-formed version-1 value. Never throws. */
export function decodeIndexValue(b: Uint8Array): IndexValue | null {
  try {
    let o = 0;
    const need = (n: number) => {
      if (o + n > b.length) throw new RangeError('short');
    };
    const str = () => {
      need(1);
      const len = b[o++];
      need(len);
      const s = dec.decode(b.subarray(o, o + len));
      o += len;
      return s;
    };
    need(1);
    if (b[o++] !== INDEX_VALUE_VERSION) return null;
    const peerId = str();
    need(20);
    const id = bytesToHex(b.subarray(o, o + 20));
    o += 20;
    const addr = str();
    const cluster = str();
    need(4);
    const count = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o);
    o += 4;
    if (count > MAX_CHUNKS) return null;
    const bitBytes = Math.ceil(count / 8);
    if (b.length - o !== bitBytes) return null;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(peerId) || addr.length === 0 || cluster.length === 0) return null;
    const value: IndexValue = { peerId, tracker: { id, addr }, cluster };
    if (count > 0) value.chunks = { count, have: bytesToBase64(b.subarray(o)) };
    return value;
  } catch {
    return null;
  }
}
