// Sans-I/O liveness: the caller reports probe replies and failures; a seed not heard from within
// `deadAfterMs` (or failing `maxConsecutiveFailures` probes in a row) is dead until heard again.
import type { Clock } from '../../shared/clock';

export const LIVENESS_DEFAULTS = {
  /** Dead when silent this long. With probes every probeEveryMs, a dead seed is out within ~deadAfterMs. */
  deadAfterMs: 10_000,
  /** Consecutive failed probes that mark a seed dead at once (a refused connection is definite). */
  maxConsecutiveFailures: 2,
  /** Suggested probe period for whoever feeds the tracker. */
  probeEveryMs: 2_500,
};

export type LivenessOptions = typeof LIVENESS_DEFAULTS;

interface Entry {
  lastSeenMs: number;
  rttMs?: number;
  failures: number;
  /** Live as of the last version() bookkeeping (isLive() itself is always computed afresh). */
  counted: boolean;
}

export class LivenessTracker {
  readonly opts: LivenessOptions;
  private readonly seeds = new Map<string, Entry>();
  private changes = 0;
  /** The earliest moment a seed counted as live may time out: version() rescans only then. */
  private rescanAtMs = Infinity;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    opts: Partial<LivenessOptions> = {},
  ) {
    this.opts = { ...LIVENESS_DEFAULTS, ...opts };
  }

  /** A reply from `id` (a probe answer, or any index RPC reply), optionally with its round-trip time. */
  heard(id: string, rttMs?: number): void {
    const prev = this.seeds.get(id);
    const now = this.clock.now();
    if (!prev?.counted) this.changes++;
    this.seeds.set(id, { lastSeenMs: now, rttMs: rttMs ?? prev?.rttMs, failures: 0, counted: true });
    this.rescanAtMs = Math.min(this.rescanAtMs, now + this.opts.deadAfterMs);
  }

  /** A probe to `id` timed out or was refused. */
  failed(id: string): void {
    const e = this.seeds.get(id);
    if (!e) return void this.seeds.set(id, { lastSeenMs: -Infinity, failures: 1, counted: false });
    e.failures++;
    if (e.counted && e.failures >= this.opts.maxConsecutiveFailures) {
      e.counted = false;
      this.changes++;
    }
  }

  /**
   * A counter that moves whenever the set of live seeds changes — including a seed timing out in
   * silence — so whoever caches answers built from that set knows when to drop them. O(1) per call.
   */
  version(): number {
    const now = this.clock.now();
    if (now > this.rescanAtMs) {
      this.rescanAtMs = Infinity;
      for (const e of this.seeds.values()) {
        if (!e.counted) continue;
        if (now - e.lastSeenMs > this.opts.deadAfterMs) {
          e.counted = false;
          this.changes++;
        } else this.rescanAtMs = Math.min(this.rescanAtMs, e.lastSeenMs + this.opts.deadAfterMs);
      }
    }
    return this.changes;
  }

  isLive(id: string): boolean {
    const e = this.seeds.get(id);
    if (!e || e.failures >= this.opts.maxConsecutiveFailures) return false;
    return this.clock.now() - e.lastSeenMs <= this.opts.deadAfterMs;
  }

  lastSeenMs(id: string): number | undefined {
    const e = this.seeds.get(id);
    return e && Number.isFinite(e.lastSeenMs) ? e.lastSeenMs : undefined;
  }

  rttMs(id: string): number | undefined {
    return this.seeds.get(id)?.rttMs;
  }

  forget(id: string): void {
    if (this.seeds.get(id)?.counted) this.changes++;
    this.seeds.delete(id);
  }

  liveIds(): string[] {
    return [...this.seeds.keys()].filter((id) => this.isLive(id));
  }
}
