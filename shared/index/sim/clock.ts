// Virtual time: an event heap keyed by (time, seq). Events at the same time run in the order they
// were scheduled, so a run is a pure function of its seed. Cancelled timers are skipped lazily.
import type { Clock } from '../types';

interface SimEvent {
  at: number;
  seq: number;
  fn: (() => void) | null;
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

  private less(a: SimEvent, b: SimEvent): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(ev: SimEvent): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): SimEvent {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
