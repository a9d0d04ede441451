// HMAC-SHA256 for small packets, without allocation: the keyed inner and outer states are
// computed once, so a tag costs ceil((len + 9) / 64) + 1 compressions. Checked against
// @noble/hashes in the tests; used because every simulated packet is signed and verified.
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const W = new Uint32Array(64);

/** One SHA-256 compression of the 64 bytes at block[off..] into state h. */
function compress(h: Uint32Array, block: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++, off += 4) W[i] = (block[off] << 24) | (block[off + 1] << 16) | (block[off + 2] << 8) | block[off + 3];
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15];
    const w2 = W[i - 2];
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
  }
  let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = (h[0] + a) | 0;
  h[1] = (h[1] + b) | 0;
  h[2] = (h[2] + c) | 0;
  h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0;
  h[5] = (h[5] + f) | 0;
  h[6] = (h[6] + g) | 0;
  h[7] = (h[7] + hh) | 0;
}

function padState(key: Uint8Array, pad: number): Uint32Array {
  const block = new Uint8Array(64).fill(pad);
  for (let i = 0; i < key.length; i++) block[i] ^= key[i];
  const h = Uint32Array.from(IV);
  compress(h, block, 0);
  return h;
}

export interface HmacSha256 {
  /** Writes the first out.length bytes (at most 32) of HMAC(key, data) into out. */
  tagInto(data: Uint8Array, out: Uint8Array): void;
}

export function createHmacSha256(key: Uint8Array): HmacSha256 {
  // Keys longer than a block are hashed first (RFC 2104).
  const k = key.length > 64 ? sha256(key) : key;
  const inner = padState(k, 0x36);
  const outer = padState(k, 0x5c);
  const h = new Uint32Array(8);
  const tail = new Uint8Array(128);
  const digest = new Uint8Array(64);
  return {
    tagInto(data, out) {
      h.set(inner);
      finish(h, data, 64, tail);
      for (let i = 0; i < 8; i++) {
        digest[4 * i] = h[i] >>> 24;
        digest[4 * i + 1] = h[i] >>> 16;
        digest[4 * i + 2] = h[i] >>> 8;
        digest[4 * i + 3] = h[i];
      }
      h.set(outer);
      finish(h, digest.subarray(0, 32), 64, tail);
      for (let i = 0; i < out.length; i++) out[i] = h[i >> 2] >>> (24 - 8 * (i & 3));
    },
  };
}

/** Hashes data (after `prefixBytes` already compressed) and applies SHA-256 padding. */
function finish(h: Uint32Array, data: Uint8Array, prefixBytes: number, tail: Uint8Array): void {
  const full = data.length & ~63;
  for (let off = 0; off < full; off += 64) compress(h, data, off);
  const rest = data.length - full;
  tail.fill(0);
  for (let i = 0; i < rest; i++) tail[i] = data[full + i];
  tail[rest] = 0x80;
  const blocks = rest + 9 > 64 ? 2 : 1;
  const bits = (prefixBytes + data.length) * 8;
  const end = blocks * 64;
  tail[end - 4] = bits >>> 24;
  tail[end - 3] = bits >>> 16;
  tail[end - 2] = bits >>> 8;
  tail[end - 1] = bits;
  tail[end - 5] = Math.floor(bits / 2 ** 32);
  compress(h, tail, 0);
  if (blocks === 2) compress(h, tail, 64);
}

export function sha256(data: Uint8Array): Uint8Array {
  const h = Uint32Array.from(IV);
  finish(h, data, 0, new Uint8Array(128));
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = h[i >> 2] >>> (24 - 8 * (i & 3));
  return out;
}
