// Event-loop stall finder for the load bench's processes (tracker and generators): per window, the
// loop delay histogram, every GC pause, and each turn that blocked the loop > 10 ms, with what the
// process's CPU did meanwhile. A stall with as much CPU as wall time is work (GC, a sweep, a burst);
// one with little CPU is the process waiting for a core (the machine, not the code).
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import { constants } from 'node:perf_hooks';

const PROBE_MS = 5;
const STALL_MS = 10;

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-cb',
};

export interface Stall {
  /** ms since the window began, when the late probe finally ran. */
  at: number;
  /** How late the probe ran (ms): the blocked (or descheduled) time. */
  lateMs: number;
  /** This process's CPU time over the same interval (ms). */
  cpuMs: number;
  /** GC pause time that ended inside the interval (ms). */
  gcMs: number;
  /** A label set by the instrumented code for work that ran in the interval, if any. */
  work: string[];
}

export interface LoopReport {
  windowMs: number;
  delayP50: number;
  delayP99: number;
  delayMax: number;
  gc: Record<string, { n: number; totalMs: number; maxMs: number }>;
  stalls: Stall[];
  /** Sum of stall lateness, and the part of it the process was running (not waiting for a core). */
  stallMs: number;
  stallCpuMs: number;
}

export class LoopMonitor {
  private readonly eld = monitorEventLoopDelay({ resolution: 1 });
  private t0 = performance.now();
  private gc: LoopReport['gc'] = {};
  private gcEnds: { end: number; ms: number }[] = [];
  private stalls: Stall[] = [];
  private work: string[] = [];
  private readonly obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = GC_KINDS[(e as unknown as { detail: { kind: number } }).detail.kind] ?? 'other';
      const g = (this.gc[kind] ??= { n: 0, totalMs: 0, maxMs: 0 });
      g.n++;
      g.totalMs += e.duration;
      g.maxMs = Math.max(g.maxMs, e.duration);
      this.gcEnds.push({ end: e.startTime + e.duration, ms: e.duration });
    }
  });
  private timer: NodeJS.Timeout | null = null;

  start(): void {
    this.obs.observe({ entryTypes: ['gc'] });
    this.eld.enable();
    let last = performance.now();
    let cpu = process.cpuUsage();
    this.timer = setInterval(() => {
      const now = performance.now();
      const late = now - last - PROBE_MS;
      if (late > STALL_MS) {
        const c = process.cpuUsage(cpu);
        const gcMs = this.gcEnds.filter((g) => g.end > last && g.end <= now).reduce((a, g) => a + g.ms, 0);
        this.stalls.push({ at: now - this.t0, lateMs: late, cpuMs: (c.user + c.system) / 1000, gcMs, work: this.work });
      }
      this.work = [];
      if (this.gcEnds.length > 1000) this.gcEnds = this.gcEnds.filter((g) => g.end > last);
      last = now;
      cpu = process.cpuUsage();
    }, PROBE_MS);
    this.timer.unref();
  }

  /** Names work that ran since the last probe (e.g. a periodic sweep), shown with a stall it caused. */
  note(label: string): void {
    this.work.push(label);
  }

  /** The window since the last report (or start), then a fresh one. */
  report(): LoopReport {
    const h = this.eld;
    const r: LoopReport = {
      windowMs: performance.now() - this.t0,
      delayP50: h.percentile(50) / 1e6,
      delayP99: h.percentile(99) / 1e6,
      delayMax: h.max / 1e6,
      gc: this.gc,
      stalls: this.stalls,
      stallMs: this.stalls.reduce((a, s) => a + s.lateMs, 0),
      stallCpuMs: this.stalls.reduce((a, s) => a + Math.min(s.cpuMs, s.lateMs + PROBE_MS), 0),
    };
    h.reset();
    this.t0 = performance.now();
    this.gc = {};
    this.stalls = [];
    return r;
  }
}

/** One line for a log: the figures and the worst few stalls. */
export function summarize(name: string, r: LoopReport): string {
  const gc = Object.entries(r.gc)
    .map(([k, g]) => `${k} ${g.n}x tot ${g.totalMs.toFixed(0)} max ${g.maxMs.toFixed(1)} ms`)
    .join(', ');
  const worst = [...r.stalls]
    .sort((a, b) => b.lateMs - a.lateMs)
    .slice(0, 5)
    .map((s) => `${s.lateMs.toFixed(0)}ms@${(s.at / 1000).toFixed(2)}s(cpu ${s.cpuMs.toFixed(0)}, gc ${s.gcMs.toFixed(0)}${s.work.length ? ', ' + s.work.join('+') : ''})`)
    .join(' ');
  return `${name}: loop delay p50 ${r.delayP50.toFixed(1)} p99 ${r.delayP99.toFixed(1)} max ${r.delayMax.toFixed(0)} ms; ${r.stalls.length} stalls > ${STALL_MS} ms, ${r.stallMs.toFixed(0)} ms (running ${r.stallCpuMs.toFixed(0)}); gc: ${gc}; worst: ${worst}`;
}
