// Token buckets keyed by client address or origin host, on the injected clock; the table is bounded.
import type { Clock } from '../../shared/clock';

interface Bucket {
  tokens: number;
  at: number;
  /** When the bucket last moved to the recent end of the table. */
  movedAt: number;
}

/** A key moves to the recent end of the table at most this often: a busy client costs a lookup, not a reinsert. */
const MOVE_EVERY_MS = 1000;

export class QuotaTable {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly perSec: number,
    private readonly burst: number,
    private readonly maxKeys: number,
  ) {}

  private bucket(key: string, now: number): Bucket {
    let b = this.buckets.get(key);
    if (b) {
      if (now !== b.at) {
        b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSec);
        b.at = now;
      }
      if (now - b.movedAt >= MOVE_EVERY_MS) {
        b.movedAt = now;
        this.buckets.delete(key); // re-insert: Map order is least recently seen first
        this.buckets.set(key, b);
      }
    } else {
      b = { tokens: this.burst, at: now, movedAt: now };
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
      this.buckets.set(key, b);
    }
    return b;
  }

  /** Takes `n` tokens if there are that many. `now` saves a clock read when the caller has one. */
  take(key: string, n = 1, now = this.clock.now()): boolean {
    const b = this.bucket(key, now);
    if (b.tokens < n) return false;
    b.tokens -= n;
    return true;
  }

  /** True while the bucket is not in debt; bytes are charged after they are sent, so it can go negative. */
  hasCredit(key: string, now = this.clock.now()): boolean {
    return this.bucket(key, now).tokens > 0;
  }

  charge(key: string, n: number, now = this.clock.now()): void {
    this.bucket(key, now).tokens -= n;
  }
}
