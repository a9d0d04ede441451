// Coral's sloppy store of one level: a few values per key with TTLs, plus the recent put rate per
// key that decides whether this node is "loaded". A put walk stops before a node that is both
// full (l values whose TTL is at least half the new one's) and loaded (> beta puts in a minute).
import { idKey } from '../id';

const MINUTE_MS = 60_000;

export interface StoredValue {
  value: Uint8Array;
  valueKey: string;
  expiresAtMs: number;
}

interface KeyEntry {
  values: StoredValue[];
  /** Times of recent put walks for this key (a ring of at most beta + 1 entries). */
  putTimesMs: number[];
}

export interface StoreLimits {
  fullValues: number;
  loadedPutsPerMinute: number;
  maxValuesPerKey: number;
  maxKeysPerLevel: number;
}

export class SloppyStore {
  private readonly keys = new Map<string, KeyEntry>();
  private valueCount = 0;

  constructor(private readonly limits: StoreLimits) {}

  get size(): number {
    return this.valueCount;
  }

  get keyCount(): number {
    return this.keys.size;
  }

  private entry(key: Uint8Array, create: boolean): KeyEntry | undefined {
    const k = idKey(key);
    let e = this.keys.get(k);
    if (!e && create && this.keys.size < this.limits.maxKeysPerLevel) {
      e = { values: [], putTimesMs: [] };
      this.keys.set(k, e);
    }
    return e;
  }

  /** Records a put walk passing by and answers whether this node is full and loaded for key. */
  notePutWalk(key: Uint8Array, ttlMs: number, nowMs: number): boolean {
    const e = this.entry(key, true);
    if (!e) return true; // no room for another key: behave as full and loaded
    const times = e.putTimesMs;
    times.push(nowMs);
    if (times.length > this.limits.loadedPutsPerMinute + 1) times.shift();
    return this.isFull(e, ttlMs, nowMs) && this.isLoaded(e, nowMs);
  }

  private isFull(e: KeyEntry, ttlMs: number, nowMs: number): boolean {
    let n = 0;
    for (const v of e.values) if (v.expiresAtMs - nowMs >= ttlMs / 2) n++;
    return n >= this.limits.fullValues;
  }

  private isLoaded(e: KeyEntry, nowMs: number): boolean {
    const t = e.putTimesMs;
    return t.length > this.limits.loadedPutsPerMinute && nowMs - t[0] < MINUTE_MS;
  }

  /** Stores or refreshes a value. Returns false when the key table is at its limit. */
  put(key: Uint8Array, value: Uint8Array, ttlMs: number, nowMs: number): boolean {
    const e = this.entry(key, true);
    if (!e) return false;
    const valueKey = idKey(value);
    const expiresAtMs = nowMs + ttlMs;
    const existing = e.values.find((v) => v.valueKey === valueKey);
    if (existing) {
      existing.expiresAtMs = Math.max(existing.expiresAtMs, expiresAtMs);
      return true;
    }
    e.values.push({ value: value.slice(), valueKey, expiresAtMs });
    this.valueCount++;
    if (e.values.length > this.limits.maxValuesPerKey) {
      // Drop the value closest to expiry: the freshest announcements are the most useful.
      let min = 0;
      for (let i = 1; i < e.values.length; i++) if (e.values[i].expiresAtMs < e.values[min].expiresAtMs) min = i;
      e.values.splice(min, 1);
      this.valueCount--;
    }
    return true;
  }

  /** Live values for key, freshest first, at most max. */
  get(key: Uint8Array, max: number, nowMs: number): Uint8Array[] {
    const e = this.entry(key, false);
    if (!e) return [];
    const live = e.values.filter((v) => v.expiresAtMs > nowMs);
    live.sort((a, b) => b.expiresAtMs - a.expiresAtMs);
    return live.slice(0, max).map((v) => v.value);
  }

  remove(key: Uint8Array, value: Uint8Array): number {
    const e = this.entry(key, false);
    if (!e) return 0;
    const valueKey = idKey(value);
    const before = e.values.length;
    e.values = e.values.filter((v) => v.valueKey !== valueKey);
    const removed = before - e.values.length;
    this.valueCount -= removed;
    return removed;
  }

  /** Drops expired values and keys that are idle (no values, no recent puts). */
  expire(nowMs: number): number {
    let dropped = 0;
    for (const [k, e] of this.keys) {
      const before = e.values.length;
      if (before) e.values = e.values.filter((v) => v.expiresAtMs > nowMs);
      dropped += before - e.values.length;
      const lastPut = e.putTimesMs[e.putTimesMs.length - 1] ?? -Infinity;
      if (e.values.length === 0 && nowMs - lastPut >= MINUTE_MS) this.keys.delete(k);
    }
    this.valueCount -= dropped;
    return dropped;
  }
}
