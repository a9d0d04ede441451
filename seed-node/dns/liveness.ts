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
}

export class LivenessTracker {
  readonly opts: LivenessOptions;
  private readonly seeds = new Map<string, Entry>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    opts: Partial<LivenessOptions> = {},
  ) {
    this.opts = { ...LIVENESS_DEFAULTS, ...opts };
  }

  /** A reply from `id` (a probe answer, or any index RPC reply), optionally with its round-trip time. */
  heard(id: string, rttMs?: number): void {
    const prev = this.seeds.get(id);
    this.seeds.set(id, { lastSeenMs: this.clock.now(), rttMs: rttMs ?? prev?.rttMs, failures: 0 });
  }

  /** A probe to `id` timed out or was refused. */
  failed(id: string): void {
    const e = this.seeds.get(id);
    if (e) e.failures++;
    else this.seeds.set(id, { lastSeenMs: -Infinity, failures: 1 });
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
    this.seeds.delete(id);
  }

  liveIds(): string[] {
    return [...this.seeds.keys()].filter((id) => this.isLive(id));
  }
}
