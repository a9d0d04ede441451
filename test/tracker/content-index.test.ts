import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock';
import { hashBytes, MemoryContentIndex } from '../../tracker/content-index';

const k = (n: number) => new Uint8Array(20).fill(n);
const v = (s: string) => new TextEncoder().encode(s);
const texts = (vals: Uint8Array[]) => vals.map((x) => new TextDecoder().decode(x)).sort();

describe('MemoryContentIndex', () => {
  it('stores values per key, removes them, and keeps keys apart', async () => {
    const idx = new MemoryContentIndex(new ManualClock());
    await idx.put(k(1), v('a'), 1000);
    await idx.put(k(1), v('b'), 1000);
    await idx.put(k(2), v('c'), 1000);
    expect(texts(await idx.get(k(1)))).toEqual(['a', 'b']);
    await idx.remove(k(1), v('a'));
    expect(texts(await idx.get(k(1)))).toEqual(['b']);
    expect(texts(await idx.get(k(2)))).toEqual(['c']);
    expect(await idx.get(k(3))).toEqual([]);
    idx.close();
  });

  it('expires values after their TTL; a re-put refreshes, also to a shorter TTL', async () => {
    const clock = new ManualClock();
    const idx = new MemoryContentIndex(clock, { sweepEveryMs: 10_000 });
    await idx.put(k(1), v('short'), 100);
    await idx.put(k(1), v('long'), 1000);
    expect(texts(await idx.get(k(1)))).toEqual(['long', 'short']);
    clock.advance(150);
    expect(texts(await idx.get(k(1)))).toEqual(['long']);
    await idx.put(k(1), v('long'), 50); // refresh with a shorter TTL
    clock.advance(60);
    expect(await idx.get(k(1))).toEqual([]);
    await idx.put(k(2), v('x'), 100);
    clock.advance(10_000); // the sweep timer drops expired keys without any get
    expect(idx.size()).toEqual({ keys: 0, values: 0 });
    idx.close();
  });

  it('caps values per key by evicting the oldest', async () => {
    const idx = new MemoryContentIndex(new ManualClock(), { maxValuesPerKey: 3 });
    for (const s of ['1', '2', '3', '4']) await idx.put(k(1), v(s), 1000);
    expect(texts(await idx.get(k(1)))).toEqual(['2', '3', '4']);
    idx.close();
  });

  it('keeps values whose bytes hash alike apart (put, refresh, remove, evict)', async () => {
    // Two different 8-byte values with the same 31-bit hash: a birthday search finds one in ~10^5 tries.
    const seen = new Map<number, Uint8Array>();
    let pair: [Uint8Array, Uint8Array] | null = null;
    for (let i = 1; !pair && i < 2_000_000; i++) {
      const b = new Uint8Array(new Uint32Array([i, Math.imul(i, 0x9e3779b9)]).buffer);
      const other = seen.get(hashBytes(b));
      if (other) pair = [other, b];
      else seen.set(hashBytes(b), b);
    }
    if (!pair) throw new Error('no hash collision found');
    const [a, b] = pair;
    const clock = new ManualClock();
    const idx = new MemoryContentIndex(clock, { maxValuesPerKey: 2 });
    await idx.put(k(1), a, 100);
    await idx.put(k(1), b, 1000);
    expect(await idx.get(k(1))).toEqual([a, b]);
    await idx.put(k(1), Uint8Array.from(a), 1000); // equal bytes, another array: a refresh
    expect(idx.size().values).toBe(2);
    clock.advance(500);
    expect(await idx.get(k(1))).toEqual([a, b]);
    await idx.remove(k(1), Uint8Array.from(a));
    expect(await idx.get(k(1))).toEqual([b]);
    await idx.put(k(1), a, 1000);
    await idx.put(k(1), v('third'), 1000); // over the cap: the oldest (b) makes room
    expect(texts(await idx.get(k(1)))).toEqual(texts([a, v('third')]));
    expect(idx.size()).toEqual({ keys: 1, values: 2 });
    idx.close();
  });
});
