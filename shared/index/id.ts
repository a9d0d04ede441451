// 160-bit ids: XOR distance, prefix lengths, hex and map keys. Hot paths avoid allocation.
import type { NodeId, Rng } from './types';

export const ID_BYTES = 20;
export const ID_BITS = 160;

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function idToHex(id: Uint8Array): string {
  let s = '';
  for (let i = 0; i < id.length; i++) s += HEX[id[i]];
  return s;
}

export function hexToId(hex: string): NodeId | null {
  if (!/^[0-9a-fA-F]{40}$/.test(hex)) return null;
  const out = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A compact string key for maps (one char per byte); made once per interned id. */
export function idKey(id: Uint8Array): string {
  return internedKeys.get(id) ?? String.fromCharCode.apply(null, id as unknown as number[]);
}

// Node ids read from packets, one shared copy each. Every packet names its sender and replies name
// up to k contacts, mostly nodes this process already knows: a simulator's thousands of routing
// tables then share ids (and their map keys) instead of each keeping copies, which also spares the
// young generation from promoting them. Bounded: past MAX_INTERNED the table starts over.
const MAX_INTERNED = 1 << 17;
const interned = new Map<number, Uint8Array>(); // by the id's first 30 bits
const internedKeys = new WeakMap<Uint8Array, string>();

/** The shared copy of the id in buf[at, at + 20) (a fresh one if another id holds its slot). */
export function internId(buf: Uint8Array, at: number): NodeId {
  const slot = (buf[at] << 22) | (buf[at + 1] << 14) | (buf[at + 2] << 6) | (buf[at + 3] >> 2);
  const hit = interned.get(slot);
  if (hit) {
    let i = 0;
    while (i < ID_BYTES && hit[i] === buf[at + i]) i++;
    if (i === ID_BYTES) return hit;
  }
  const id = buf.slice(at, at + ID_BYTES);
  if (!hit) {
    if (interned.size >= MAX_INTERNED) interned.clear();
    interned.set(slot, id);
    internedKeys.set(id, String.fromCharCode.apply(null, id as unknown as number[]));
  }
  return id;
}

export function idEquals(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < ID_BYTES; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Number of leading bits a and b share (160 when equal). */
export function commonPrefixBits(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const x = a[i] ^ b[i];
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return ID_BITS;
}

/** Negative when a is closer to target than b, in XOR distance. */
export function compareDistance(a: Uint8Array, b: Uint8Array, target: Uint8Array): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const d = (a[i] ^ target[i]) - (b[i] ^ target[i]);
    if (d !== 0) return d;
  }
  return 0;
}

/** XOR distance as a fraction of the id space, from its top 48 bits (for size estimates). */
export function distanceFraction(a: Uint8Array, b: Uint8Array): number {
  let f = 0;
  for (let i = 0; i < 6; i++) f = f * 256 + (a[i] ^ b[i]);
  return (f + 1) / 2 ** 48;
}

export function randomId(rng: Rng): NodeId {
  const out = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) out[i] = (rng() * 256) | 0;
  return out;
}

/** A random id sharing exactly `bits` leading bits with base (a target inside bucket `bits`). */
export function randomIdInBucket(base: Uint8Array, bits: number, rng: Rng): NodeId {
  const out = randomId(rng);
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) out[i] = base[i];
  if (whole < ID_BYTES) {
    const rem = bits & 7;
    const keepMask = (0xff00 >> rem) & 0xff; // bits of base kept in this byte
    const flip = 0x80 >> rem; // the first differing bit
    out[whole] = (base[whole] & keepMask) | ((~base[whole] & flip) & 0xff) | (out[whole] & ~(keepMask | flip) & 0xff);
  }
  return out;
}
