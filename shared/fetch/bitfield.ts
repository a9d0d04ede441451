// Chunk bitfields: bit i (most significant bit first) of byte i>>3 says whether chunk i is held.
// The same layout as the tracker's base64 `have`, so one conversion serves both protocols.
import { base64 } from '@scure/base';

export function bitfieldBytes(count: number): number {
  return Math.ceil(count / 8);
}

export function bitfieldFromIndices(count: number, indices: Iterable<number>): Uint8Array {
  const bits = new Uint8Array(bitfieldBytes(count));
  for (const i of indices) if (i >= 0 && i < count) bits[i >> 3] |= 0x80 >> (i & 7);
  return bits;
}

export function hasBit(bits: Uint8Array, i: number): boolean {
  return i >= 0 && i >> 3 < bits.length && (bits[i >> 3] & (0x80 >> (i & 7))) !== 0;
}

export function setBit(bits: Uint8Array, i: number): void {
  bits[i >> 3] |= 0x80 >> (i & 7);
}

export function bitCount(bits: Uint8Array): number {
  let n = 0;
  for (let b of bits) for (; b; b &= b - 1) n++;
  return n;
}

/** True when no bit at or beyond `count` is set (a well-formed field has zero padding). */
export function paddingIsClear(bits: Uint8Array, count: number): boolean {
  const rem = count & 7;
  return rem === 0 || bits.length === 0 || (bits[bits.length - 1] & (0xff >> rem)) === 0;
}

/** The tracker's `{count, have}` form (base64 of the bitfield). */
export function toTrackerBitfield(count: number, bits: Uint8Array): { count: number; have: string } {
  return { count, have: base64.encode(bits) };
}
