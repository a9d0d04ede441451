// Upload pacing: a byte token bucket on the injected clock. `take` never blocks; it says how long
// to wait, so the caller schedules its own retry (no timers here).
import type { Clock } from './types';

export class ByteBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly clock: Clock,
    private bytesPerSec: number,
    private burstBytes: number,
  ) {
    this.tokens = burstBytes;
    this.at = clock.now();
  }

  /** Applies a changed cap (the user may edit it while peers are downloading from us). */
  setRate(bytesPerSec: number, burstBytes: number): void {
    if (bytesPerSec === this.bytesPerSec && burstBytes === this.burstBytes) return;
    this.refill();
    this.bytesPerSec = bytesPerSec;
    this.burstBytes = burstBytes;
    this.tokens = Math.min(this.tokens, burstBytes);
  }

  /** Takes n bytes if available now (returns 0), else returns the wait in ms before retrying. */
  take(n: number): number {
    if (this.bytesPerSec === Infinity) return 0;
    if (this.bytesPerSec <= 0) return Infinity;
    this.refill();
    // A request above the burst is allowed once the bucket is full, so big pieces still pass.
    const need = Math.min(n, this.burstBytes);
    if (this.tokens >= need) {
      this.tokens -= n;
      return 0;
    }
    return Math.max(1, Math.ceil(((need - this.tokens) / this.bytesPerSec) * 1000));
  }

  private refill(): void {
    const now = this.clock.now();
    if (this.bytesPerSec !== Infinity) this.tokens = Math.min(this.burstBytes, this.tokens + ((now - this.at) / 1000) * this.bytesPerSec);
    this.at = now;
  }
}
