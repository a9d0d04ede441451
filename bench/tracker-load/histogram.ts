// Log-bucketed latency histogram (1% resolution): cheap to record, mergeable across workers.
const GROWTH = 1.01;
const MIN_MS = 0.01;

export class Histogram {
  counts = new Map<number, number>();
  n = 0;
  record(ms: number): void {
    const b = ms <= MIN_MS ? 0 : Math.ceil(Math.log(ms / MIN_MS) / Math.log(GROWTH));
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
    this.n++;
  }
  merge(o: { counts: [number, number][] }): void {
    for (const [b, c] of o.counts) {
      this.counts.set(b, (this.counts.get(b) ?? 0) + c);
      this.n += c;
    }
  }
  toJSON(): { counts: [number, number][] } {
    return { counts: [...this.counts] };
  }
  /** Upper bound of the bucket holding quantile q, in ms. */
  quantile(q: number): number {
    if (this.n === 0) return NaN;
    const target = Math.ceil(q * this.n);
    let seen = 0;
    for (const b of [...this.counts.keys()].sort((x, y) => x - y)) {
      seen += this.counts.get(b)!;
      if (seen >= target) return MIN_MS * GROWTH ** b;
    }
    return NaN;
  }
}
