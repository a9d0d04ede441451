// Coral cooperation through the index: find seeds that hold (or are fetching) a URL, announce our own copies.
// Index trouble never fails a request: it is counted and the proxy goes to the origin instead.
import type { ContentIndex } from '../../tracker/content-index';
import type { Clock } from '../../shared/clock';
import { decodePointer, encodePointer, type PointerState, type ProxyPointer } from './index-value';
import type { ProxyLogger } from './log';

export interface CooperationOptions {
  index: ContentIndex;
  self: { id: string; httpAddr: string };
  clock: Clock;
  log: ProxyLogger;
  indexTimeoutMs: number;
  /** Orders candidates, nearest first; by default the index's own order is kept. */
  rank?: (values: ProxyPointer[]) => ProxyPointer[];
}

export class Cooperation {
  indexErrors = 0;
  garbageValues = 0;
  /** Pointers the index accepted: lets an operator (and a test) see that announcements get through. */
  pointersPut = 0;

  constructor(private readonly o: CooperationOptions) {}

  async candidates(key: Uint8Array): Promise<ProxyPointer[]> {
    let values: Uint8Array[];
    try {
      values = await this.withTimeout(this.o.index.get(key));
    } catch (err) {
      this.indexErrors++;
      this.o.log.debug({ err: (err as Error).message }, 'index lookup failed');
      return [];
    }
    const out: ProxyPointer[] = [];
    const seen = new Set<string>();
    for (const v of values) {
      const p = decodePointer(v);
      if (!p) {
        this.garbageValues++;
        continue;
      }
      if (p.id === this.o.self.id || seen.has(p.id)) continue;
      seen.add(p.id);
      out.push(p);
    }
    const ranked = this.o.rank ? this.o.rank(out) : out;
    // Within the given order, a seed that already holds the object is a better bet than one still fetching it.
    return [...ranked.filter((p) => p.state === 'held'), ...ranked.filter((p) => p.state === 'fetching')];
  }

  announce(key: Uint8Array, state: PointerState, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.o.index.put(key, this.value(state), ttlMs).then(
      () => this.pointersPut++,
      () => this.indexErrors++,
    );
  }

  withdraw(key: Uint8Array, state: PointerState): void {
    this.o.index.remove(key, this.value(state)).catch(() => this.indexErrors++);
  }

  private value(state: PointerState): Uint8Array {
    return encodePointer({ state, id: this.o.self.id, addr: this.o.self.httpAddr });
  }

  private withTimeout<T>(p: Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      const t = this.o.clock.setTimeout(() => reject(new Error('index timeout')), this.o.indexTimeoutMs);
      p.then(
        (v) => (this.o.clock.clearTimeout(t), resolve(v)),
        (e) => (this.o.clock.clearTimeout(t), reject(e)),
      );
    });
  }
}
