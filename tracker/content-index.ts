// What the tracker needs from the Coral index, and an in-memory implementation for `reef tracker`.
// The CoralNode (shared/index/node.ts) satisfies this with a thin adapter:
//   put -> node.put(key, value, ttlMs), get -> (await node.get(key)).values, remove -> node.remove.
import type { Clock } from '../shared/clock';

export interface ContentIndex {
  /**
   * Stores `value` under `key` for `ttlMs`; putting an equal value again refreshes its expiry.
   * An implementation may keep the given arrays (no copy): callers must not mutate them afterwards.
   */
  put(key: Uint8Array, value: Uint8Array, ttlMs: number): Promise<void>;
  /** Live values under `key` (order unspecified). Read-only for the caller, valid until its next index call. */
  get(key: Uint8Array): Promise<Uint8Array[]>;
  remove(key: Uint8Array, value: Uint8Array): Promise<void>;
}

export const MEMORY_INDEX_DEFAULTS = {
  sweepEveryMs: 30_000,
  /** Bounds memory under a flood of announcers for one key; the oldest entry makes room. */
  maxValuesPerKey: 10_000,
};

/**
 * `t` as V8 keeps a small integer: a difference of two Date.now() values is a heap number, and one
 * heap number stored into a field makes that field a boxed double in every object of its shape (an
 * extra heap object per index entry for the GC to mark). Past 2^30 (12 days in ms) `t` is left as is.
 */
export function smallInteger(t: number): number {
  return t >= 0 && t < 0x40000000 ? t | 0 : t;
}

/** One char per byte: half the memory of hex, and no per-byte string formatting on the hot path. */
function mapKey(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/**
 * FNV-1a of a value's bytes. Entries are found by it and then compared byte for byte: a number key
 * costs no per-value string (a tracker holds one value per announced object).
 */
export function hashBytes(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 1; // 31 bits: a small integer to V8
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface Entry {
  value: Uint8Array;
  /** In ms since the index's epoch: a small integer V8 stores inline, not a boxed double per entry. */
  expiresAt: number;
  /** The next value whose bytes hash the same (rare). */
  next: Entry | null;
}

/** The values under one key, with the array `get` returns cached until membership changes. */
interface Slot {
  /** Chains of entries by hashBytes(value), in insertion order of each chain's first entry. */
  entries: Map<number, Entry>;
  count: number;
  list: Uint8Array[] | null;
  /** A lower bound on the earliest expiry: until then the cached list is known to be live. */
  firstExpiryAt: number;
}

export class MemoryContentIndex implements ContentIndex {
  private readonly table = new Map<string, Slot>();
  private readonly opts: typeof MEMORY_INDEX_DEFAULTS;
  private timer: unknown = null;
  /** Times are kept relative to this (see Entry.expiresAt). */
  private readonly epoch: number;

  constructor(
    private readonly clock: Clock,
    opts: Partial<typeof MEMORY_INDEX_DEFAULTS> = {},
  ) {
    this.opts = { ...MEMORY_INDEX_DEFAULTS, ...opts };
    this.epoch = clock.now();
    this.schedule();
  }

  private now(): number {
    return smallInteger(this.clock.now() - this.epoch);
  }

  async put(key: Uint8Array, value: Uint8Array, ttlMs: number): Promise<void> {
    const k = mapKey(key);
    let slot = this.table.get(k);
    if (!slot) this.table.set(k, (slot = { entries: new Map(), count: 0, list: null, firstExpiryAt: Infinity }));
    const h = hashBytes(value);
    const expiresAt = this.now() + ttlMs;
    const head = slot.entries.get(h);
    let last: Entry | null = null;
    for (let e = head ?? null; e; e = e.next) {
      if (sameBytes(e.value, value)) {
        // A refresh: membership is unchanged, so the cached list stays valid.
        e.expiresAt = expiresAt;
        slot.firstExpiryAt = Math.min(slot.firstExpiryAt, expiresAt); // a shorter TTL may expire first
        return;
      }
      last = e;
    }
    const evict = slot.count >= this.opts.maxValuesPerKey;
    if (evict) this.unlinkOldest(slot);
    const entry: Entry = { value, expiresAt, next: null };
    // The chain may just have lost its head to the eviction: look it up again.
    if (last && slot.entries.get(h)) last.next = entry;
    else slot.entries.set(h, entry);
    slot.count++;
    // Growing the set keeps the cached list valid by appending; an eviction forces a rebuild.
    if (evict) slot.list = null;
    else slot.list?.push(value);
    slot.firstExpiryAt = Math.min(slot.firstExpiryAt, expiresAt);
  }

  async get(key: Uint8Array): Promise<Uint8Array[]> {
    const k = mapKey(key);
    const slot = this.table.get(k);
    if (!slot) return [];
    const now = this.now();
    if (slot.list && now < slot.firstExpiryAt) return slot.list;
    this.prune(k, slot, now);
    return slot.list ?? [];
  }

  async remove(key: Uint8Array, value: Uint8Array): Promise<void> {
    const k = mapKey(key);
    const slot = this.table.get(k);
    if (!slot) return;
    const h = hashBytes(value);
    let prev: Entry | null = null;
    for (let e = slot.entries.get(h) ?? null; e; prev = e, e = e.next) {
      if (!sameBytes(e.value, value)) continue;
      unlink(slot, h, prev, e);
      slot.list = null;
      if (slot.count === 0) this.table.delete(k);
      return;
    }
  }

  /** Number of live keys and values (for metrics and tests). */
  size(): { keys: number; values: number } {
    let n = 0;
    for (const slot of this.table.values()) n += slot.count;
    return { keys: this.table.size, values: n };
  }

  /** Drops the first entry of the oldest chain (with no hash collision: the oldest value). */
  private unlinkOldest(slot: Slot): void {
    const [h, head] = slot.entries.entries().next().value!;
    unlink(slot, h, null, head);
  }

  sweep(): void {
    const now = this.now();
    for (const [k, slot] of this.table) if (now >= slot.firstExpiryAt) this.prune(k, slot, now);
  }

  /** Drops expired entries and rebuilds the cached list and the expiry bound. */
  private prune(k: string, slot: Slot, now: number): void {
    const list: Uint8Array[] = [];
    let first = Infinity;
    for (const [h, head] of slot.entries) {
      let prev: Entry | null = null;
      for (let e: Entry | null = head; e; e = e.next) {
        if (e.expiresAt <= now) unlink(slot, h, prev, e);
        else {
          list.push(e.value);
          first = Math.min(first, e.expiresAt);
          prev = e;
        }
      }
    }
    slot.list = list;
    slot.firstExpiryAt = first;
    if (slot.count === 0) this.table.delete(k);
  }

  close(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.sweep();
      this.schedule();
    }, this.opts.sweepEveryMs);
  }
}

/** Takes `e` (preceded by `prev` in its chain, or the head) out of the slot. */
function unlink(slot: Slot, h: number, prev: Entry | null, e: Entry): void {
  if (prev) prev.next = e.next;
  else if (e.next) slot.entries.set(h, e.next);
  else slot.entries.delete(h);
  slot.count--;
}
