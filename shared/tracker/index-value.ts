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

// Every value a tracker writes carries the same tracker id: remember its last conversion.
let lastHex = '';
let lastBytes: Uint8Array = new Uint8Array(0);

function hexToBytes(hex: string): Uint8Array {
  if (hex === lastHex) return lastBytes;
  lastHex = hex;
  lastBytes = hexToBytesUncached(hex);
  return lastBytes;
}

function hexToBytesUncached(hex: string): Uint8Array {
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
  // Byte by byte, not via a DataView: touching `out.buffer` would move a small array off the V8 heap
  // (a separate allocation per stored value).
  const count = v.chunks?.count ?? 0;
  out[o++] = count >>> 24;
  out[o++] = (count >>> 16) & 0xff;
  out[o++] = (count >>> 8) & 0xff;
  out[o++] = count & 0xff;
  out.set(bits, o);
  return out;
}

/** Returns null for bytes that are not a well-formed version-1 value. Never throws. */
export function decodeIndexValue(b: Uint8Array): IndexValue | null {
  // A flat walk with explicit bounds checks: this runs for every candidate of every lookup.
  let o = 0;
  if (b.length < 1 + 1 + 20 + 1 + 1 + 4 || b[o++] !== INDEX_VALUE_VERSION) return null;
  const peerLen = b[o++];
  if (o + peerLen + 20 + 1 > b.length) return null;
  const peerId = ascii(b, o, peerLen);
  o += peerLen;
  const id = bytesToHex(b.subarray(o, o + 20));
  o += 20;
  const addrLen = b[o++];
  if (o + addrLen + 1 > b.length) return null;
  const addr = utf8(b, o, addrLen);
  o += addrLen;
  const clusterLen = b[o++];
  if (o + clusterLen + 4 > b.length) return null;
  const cluster = utf8(b, o, clusterLen);
  o += clusterLen;
  const count = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  o += 4;
  if (count > MAX_CHUNKS || b.length - o !== Math.ceil(count / 8)) return null;
  if (peerId === null || addr === null || cluster === null || addr.length === 0 || cluster.length === 0) return null;
  if (!PEER_ID_RE.test(peerId)) return null;
  const value: IndexValue = { peerId, tracker: { id, addr }, cluster };
  if (count > 0) value.chunks = { count, have: bytesToBase64(b.subarray(o)) };
  return value;
}

const PEER_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

function ascii(b: Uint8Array, at: number, len: number): string | null {
  let s = '';
  for (let i = at; i < at + len; i++) {
    if (b[i] > 0x7e) return null;
    s += String.fromCharCode(b[i]);
  }
  return s;
}

function utf8(b: Uint8Array, at: number, len: number): string | null {
  try {
    return dec.decode(b.subarray(at, at + len));
  } catch {
    return null;
  }
}
