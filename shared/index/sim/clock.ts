// Virtual time: an event heap keyed by (time, seq). Events at the same time run in the order they
// were scheduled, so a run is a pure function of its seed. Cancelled timers are skipped lazily.
import type { Clock } from '../types';

interface SimEvent {
  at: number;
  seq: number;
  fn: (() => void) | null;
}

function less(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export class VirtualClock implements Clock {
  private heap: SimEvent[] = [];
  private seq = 0;
  private t = 0;
  eventsRun = 0;

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): SimEvent {
    const ev: SimEvent = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.push(ev);
    return ev;
  }

  clearTimeout(handle: unknown): void {
    if (handle && typeof handle === 'object') (handle as SimEvent).fn = null;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Runs every event due up to `until` (inclusive); the clock ends at `until`. */
  runUntil(until: number): void {
    const h = this.heap;
    while (h.length && h[0].at <= until) {
      const ev = this.pop();
      this.t = ev.at;
      const fn = ev.fn;
      if (fn) {
        ev.fn = null;
        this.eventsRun++;
        fn();
      }
    }
    if (until > this.t) this.t = until;
  }

  // Sift with a hole (one write per level, no swaps).
  private push(ev: SimEvent): void {
    const h = this.heap;
    let i = h.length;
    h.push(ev);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const up = h[p];
      if (!less(ev, up)) break;
      h[i] = up;
      i = p;
    }
    h[i] = ev;
  }

  private pop(): SimEvent {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    const n = h.length;
    if (n) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const m = r < n && less(h[r], h[l]) ? r : l;
        if (!less(h[m], last)) break;
        h[i] = h[m];
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
}
