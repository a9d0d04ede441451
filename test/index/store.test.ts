// Sloppy storage: full (l values with enough TTL) and loaded (> beta puts a minute), expiry.
import { describe, expect, it } from 'vitest';
import { INDEX_DEFAULTS } from '../../shared/index/config';
import { SloppyStore } from '../../shared/index/storage/store';

const key = new Uint8Array(20).fill(1);
const v = (n: number) => new Uint8Array([n]);

describe('sloppy store', () => {
  it('is full and loaded only with l fresh values and more than beta puts in the last minute', () => {
    const s = new SloppyStore(INDEX_DEFAULTS);
    const ttl = 60_000;
    for (let i = 0; i < 4; i++) s.put(key, v(i), ttl, 0);
    // 12 put walks in a minute: full but not yet loaded.
    for (let i = 0; i < 12; i++) expect(s.notePutWalk(key, ttl, i * 1000)).toBe(false);
    expect(s.notePutWalk(key, ttl, 12_000)).toBe(true);
    // A minute later the rate has dropped: no longer loaded.
    expect(s.notePutWalk(key, ttl, 80_000)).toBe(false);
  });

  it('is not full when values have less than half the new TTL left', () => {
    const s = new SloppyStore(INDEX_DEFAULTS);
    for (let i = 0; i < 4; i++) s.put(key, v(i), 10_000, 0);
    for (let i = 0; i < 20; i++) s.notePutWalk(key, 60_000, i);
    expect(s.notePutWalk(key, 60_000, 100)).toBe(false); // 10 s left < 30 s
    expect(s.notePutWalk(key, 15_000, 100)).toBe(true); // 10 s left >= 7.5 s
  });

  it('expires values by TTL, refreshes duplicates, and caps values per key', () => {
    const s = new SloppyStore({ ...INDEX_DEFAULTS, maxValuesPerKey: 3 });
    s.put(key, v(1), 1000, 0);
    s.put(key, v(1), 5000, 0);
    expect(s.size).toBe(1);
    expect(s.get(key, 8, 2000)).toEqual([v(1)]);
    s.put(key, v(2), 100, 0);
    s.put(key, v(3), 3000, 0);
    s.put(key, v(4), 4000, 0); // over the cap: the value closest to expiry (2) goes
    expect(s.get(key, 8, 0).map((x) => x[0]).sort()).toEqual([1, 3, 4]);
    expect(s.expire(4500)).toBe(2);
    expect(s.get(key, 8, 4500)).toEqual([v(1)]);
    expect(s.remove(key, v(1))).toBe(1);
    expect(s.size).toBe(0);
  });
});
