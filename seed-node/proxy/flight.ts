// One in-progress fetch of an object, shared by every request that wants it meanwhile (coalescing).
// Body chunks are kept and replayed, so a waiter that joins late still gets the object from its first byte,
// while the fetch is still running (Coral's cut-through).
import type { HeaderRecord } from './cache-policy';
import type { ProxyError } from './errors';
import type { StoredObject } from './store';

export type CacheSource = 'HIT' | 'MISS' | 'PEER';

export type FlightHead =
  | { kind: 'stream'; status: number; headers: HeaderRecord; source: CacheSource; initialAgeMs: number }
  /** The answer is (now) in the store: a revalidated object, or a stale copy while the origin is failing. */
  | { kind: 'stored'; obj: StoredObject; stale: boolean };

/** Called whenever a flight gains a head, a chunk, its end or its failure. */
export type FlightListener = () => void;

export class Flight {
  readonly head: Promise<FlightHead>;
  private resolveHead!: (h: FlightHead) => void;
  private rejectHead!: (e: ProxyError) => void;
  private headSet = false;
  private readonly parts: Buffer[] = [];
  private readonly listeners = new Set<FlightListener>();
  state: 'open' | 'ended' | 'failed' = 'open';
  failure: ProxyError | null = null;
  bytes = 0;
  /** Set once the flight goes to the origin: from then on other seeds may cut through to it. */
  atOrigin = false;
  /** Settles when the fetch is completely over, including storing the object. */
  done: Promise<void> = Promise.resolve();

  constructor() {
    this.head = new Promise((res, rej) => {
      this.resolveHead = res;
      this.rejectHead = rej;
    });
    this.head.catch(() => {}); // a flight nobody waits on must not raise an unhandled rejection
  }

  get hasHead(): boolean {
    return this.headSet;
  }

  /** Chunks received so far; a reader keeps its own position, so a slow reader never holds up the others. */
  get chunks(): readonly Buffer[] {
    return this.parts;
  }

  setHead(h: FlightHead): void {
    if (this.headSet) return;
    this.headSet = true;
    this.resolveHead(h);
  }

  push(b: Buffer): void {
    if (this.state !== 'open') return;
    this.parts.push(b);
    this.bytes += b.length;
    this.notify();
  }

  end(): void {
    if (this.state !== 'open') return;
    this.state = 'ended';
    this.notify();
    this.listeners.clear();
  }

  fail(e: ProxyError): void {
    if (this.state !== 'open') return;
    this.state = 'failed';
    this.failure = e;
    if (!this.headSet) {
      this.headSet = true;
      this.rejectHead(e);
    }
    this.notify();
    this.listeners.clear();
  }

  /** Returns an unsubscribe function; the listener is not called for what already happened. */
  subscribe(l: FlightListener): () => void {
    if (this.state === 'open') this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}
