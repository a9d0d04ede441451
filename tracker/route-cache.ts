// Which tracker a remote peer is connected to, learned from index values and relayed signals, so
// the answer to an offer (and trickled candidates) can be relayed without another index lookup.
import type { TrackerRef } from '../shared/tracker/protocol';

export class RouteCache {
  // Map insertion order = last-refresh order, so expiry and eviction walk from the front.
  private readonly routes = new Map<string, { ref: TrackerRef; expiresAt: number }>();
  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  set(peerId: string, ref: TrackerRef, now: number): void {
    this.routes.delete(peerId);
    if (this.routes.size >= this.maxEntries) this.routes.delete(this.routes.keys().next().value!);
    this.routes.set(peerId, { ref, expiresAt: now + this.ttlMs });
  }

  get(peerId: string, now: number): TrackerRef | undefined {
    const r = this.routes.get(peerId);
    if (!r) return undefined;
    if (r.expiresAt <= now) {
      this.routes.delete(peerId);
      return undefined;
    }
    return r.ref;
  }

  expire(now: number): void {
    for (const [peerId, r] of this.routes) {
      if (r.expiresAt > now) break;
      this.routes.delete(peerId);
    }
  }

  get size(): number {
    return this.routes.size;
  }
}
