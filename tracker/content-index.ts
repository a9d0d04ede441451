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

/** One char per byte: half the memory of hex, and no per-byte string formatting on the hot path. */
function mapKey(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

interface Entry {
  value: Uint8Array;
  expiresAt: number;
}

/** The values under one key, with the array `get` returns cached until membership changes. */
interface Slot {
  entries: Map<string, Entry>;
  list: Uint8Array[] | null;
  /** A lower bound on the earliest expiry: until then the cached list is known to be live. */
  firstExpiryAt: number;
}

export class MemoryContentIndex implements ContentIndex {
  private readonly table = new Map<string, Slot>();
  private readonly opts: typeof MEMORY_INDEX_DEFAULTS;
  private timer: unknown = null;

  constructor(
    private readonly clock: Clock,
    opts: Partial<typeof MEMORY_INDEX_DEFAULTS> = {},
  ) {
    this.opts = { ...MEMORY_INDEX_DEFAULTS, ...opts };
    this.schedule();
  }

  async put(key: Uint8Array, value: Uint8Array, ttlMs: number): Promise<void> {
    const k = mapKey(key);
    let slot = this.table.get(k);
    if (!slot) this.table.set(k, (slot = { entries: new Map(), list: null, firstExpiryAt: Infinity }));
    const vk = mapKey(value);
    const expiresAt = this.clock.now() + ttlMs;
    const old = slot.entries.get(vk);
    if (old) {
      // A refresh: membership is unchanged, so the cached list stays valid.
      old.expiresAt = expiresAt;
      slot.firstExpiryAt = Math.min(slot.firstExpiryAt, expiresAt); // a shorter TTL may expire first
      return;
    }
    const evict = slot.entries.size >= this.opts.maxValuesPerKey;
    if (evict) slot.entries.delete(slot.entries.keys().next().value!);
    slot.entries.set(vk, { value, expiresAt });
    // Growing the set keeps the cached list valid by appending; an eviction forces a rebuild.
    if (evict) slot.list = null;
    else slot.list?.push(value);
    slot.firstExpiryAt = Math.min(slot.firstExpiryAt, expiresAt);
  }

  async get(key: Uint8Array): Promise<Uint8Array[]> {
    const k = mapKey(key);
    const slot = this.table.get(k);
    if (!slot) return [];
    const now = this.clock.now();
    if (slot.list && now < slot.firstExpiryAt) return slot.list;
    this.prune(k, slot, now);
    return slot.list ?? [];
  }

  async remove(key: Uint8Array, value: Uint8Array): Promise<void> {
    const k = mapKey(key);
    const slot = this.table.get(k);
    if (!slot || !slot.entries.delete(mapKey(value))) return;
    slot.list = null;
    if (slot.entries.size === 0) this.table.delete(k);
  }

  /** Number of live keys and values (for metrics and tests). */
  size(): { keys: number; values: number } {
    let n = 0;
    for (const slot of this.table.values()) n += slot.entries.size;
    return { keys: this.table.size, values: n };
  }

  sweep(): void {
    const now = this.clock.now();
    for (const [k, slot] of this.table) if (now >= slot.firstExpiryAt) this.prune(k, slot, now);
  }

  /** Drops expired entries and rebuilds the cached list and the expiry bound. */
  private prune(k: string, slot: Slot, now: number): void {
    const list: Uint8Array[] = [];
    let first = Infinity;
    for (const [vk, e] of slot.entries) {
      if (e.expiresAt <= now) slot.entries.delete(vk);
      else {
        list.push(e.value);
        first = Math.min(first, e.expiresAt);
      }
    }
    slot.list = list;
    slot.firstExpiryAt = first;
    if (slot.entries.size === 0) this.table.delete(k);
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
