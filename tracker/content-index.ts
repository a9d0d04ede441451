// What the tracker needs from the Coral index, and an in-memory implementation for `reef tracker`.
// The CoralNode (shared/index/node.ts) satisfies this with a thin adapter:
//   put -> node.put(key, value, ttlMs), get -> (await node.get(key)).values, remove -> node.remove.
import type { Clock } from './clock';

export interface ContentIndex {
  /**
   * Stores `value` under `key` for `ttlMs`; putting an equal value again refreshes its expiry.
   * An implementation may keep the given arrays (no copy): callers must not mutate them afterwards.
   */
  put(key: Uint8Array, value: Uint8Array, ttlMs: number): Promise<void>;
  /** Live values under `key` (order unspecified). */
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

export class MemoryContentIndex implements ContentIndex {
  private readonly table = new Map<string, Map<string, Entry>>();
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
    let values = this.table.get(k);
    if (!values) this.table.set(k, (values = new Map()));
    const vk = mapKey(value);
    values.delete(vk); // re-insert so Map order stays oldest-first for eviction
    if (values.size >= this.opts.maxValuesPerKey) values.delete(values.keys().next().value!);
    values.set(vk, { value, expiresAt: this.clock.now() + ttlMs });
  }

  async get(key: Uint8Array): Promise<Uint8Array[]> {
    const k = mapKey(key);
    const values = this.table.get(k);
    if (!values) return [];
    const now = this.clock.now();
    const out: Uint8Array[] = [];
    for (const [vk, e] of values) {
      if (e.expiresAt <= now) values.delete(vk);
      else out.push(e.value);
    }
    if (values.size === 0) this.table.delete(k);
    return out;
  }

  async remove(key: Uint8Array, value: Uint8Array): Promise<void> {
    const k = mapKey(key);
    const values = this.table.get(k);
    if (!values) return;
    values.delete(mapKey(value));
    if (values.size === 0) this.table.delete(k);
  }

  /** Number of live keys and values (for metrics and tests). */
  size(): { keys: number; values: number } {
    let n = 0;
    for (const v of this.table.values()) n += v.size;
    return { keys: this.table.size, values: n };
  }

  sweep(): void {
    const now = this.clock.now();
    for (const [k, values] of this.table) {
      for (const [vk, e] of values) if (e.expiresAt <= now) values.delete(vk);
      if (values.size === 0) this.table.delete(k);
    }
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
