// Kademlia routing table of one level: 160 k-buckets by common prefix length with our id, each
// ordered least- to most-recently seen, plus a small replacement cache per bucket. It does no I/O:
// when a full bucket meets a new contact it returns the stalest member for the caller to ping.
import { commonPrefixBits, compareDistance, distanceFraction, ID_BITS, idEquals, idKey } from '../id';
import type { Contact, NodeId } from '../types';

export interface RoutingEntry extends Contact {
  fails: number;
  lastSeenMs: number;
  /** Cluster ids (levels 1, 2, ...) the contact advertised when last heard from. */
  clusterIds?: readonly { id: number }[];
}

export interface TableLimits {
  k: number;
  replacementsPerBucket: number;
  maxContactFailures: number;
}

export class RoutingTable {
  private readonly buckets: Array<RoutingEntry[] | undefined> = new Array(ID_BITS);
  private readonly replacements: Array<RoutingEntry[] | undefined> = new Array(ID_BITS);
  /** When each bucket last had a lookup into it (for refresh). */
  readonly touchedMs = new Float64Array(ID_BITS);
  private count = 0;
  /** No bucket deeper than this has ever held a contact (since the last clear): closest() stops there. */
  private deepest = -1;
  /** Members by idKey, so the per-message observe and get are O(1). */
  private readonly index = new Map<string, RoutingEntry>();

  constructor(
    readonly self: NodeId,
    private readonly limits: TableLimits,
  ) {}

  get size(): number {
    return this.count;
  }

  /**
   * Records that `c` answered us (or contacted us). Returns the stalest member of a full bucket
   * that the caller should ping: if it fails, the newcomer waits in the replacement cache.
   */
  observe(c: Contact, nowMs: number, key = idKey(c.id)): RoutingEntry | undefined {
    const known = this.index.get(key);
    if (known) {
      known.address = c.address;
      known.services = c.services;
      if (c.rttMs !== undefined) known.rttMs = known.rttMs === undefined ? c.rttMs : 0.7 * known.rttMs + 0.3 * c.rttMs;
      known.fails = 0;
      known.lastSeenMs = nowMs;
      const bucket = this.buckets[commonPrefixBits(this.self, c.id)]!;
      if (bucket[bucket.length - 1] !== known) {
        bucket.splice(bucket.indexOf(known), 1);
        bucket.push(known);
      }
      return undefined;
    }
    const i = commonPrefixBits(this.self, c.id);
    if (i === ID_BITS) return undefined;
    const bucket = (this.buckets[i] ??= []);
    const entry: RoutingEntry = { id: c.id, address: c.address, services: c.services, rttMs: c.rttMs, fails: 0, lastSeenMs: nowMs };
    if (bucket.length < this.limits.k) {
      this.insert(bucket, entry, key);
      return undefined;
    }
    const head = bucket[0];
    if (head.fails > 0) {
      this.removeAt(i, 0, false);
      this.insert(bucket, entry, key);
      this.addReplacement(i, head);
      return undefined;
    }
    this.addReplacement(i, entry);
    return head;
  }

  private insert(bucket: RoutingEntry[], e: RoutingEntry, key = idKey(e.id)): void {
    bucket.push(e);
    const i = commonPrefixBits(this.self, e.id);
    if (i > this.deepest) this.deepest = i;
    this.index.set(key, e);
    this.count++;
  }

  private addReplacement(i: number, e: RoutingEntry): void {
    const cache = (this.replacements[i] ??= []);
    for (let j = 0; j < cache.length; j++) {
      if (idEquals(cache[j].id, e.id)) {
        cache.splice(j, 1);
        break;
      }
    }
    cache.push(e);
    if (cache.length > this.limits.replacementsPerBucket) cache.shift();
  }

  /** Counts a failed RPC; evicts after maxContactFailures and promotes a replacement. */
  fail(id: NodeId, key = idKey(id)): void {
    const e = this.index.get(key);
    if (!e || ++e.fails < this.limits.maxContactFailures) return;
    const i = commonPrefixBits(this.self, id);
    this.removeAt(i, this.buckets[i]!.indexOf(e));
  }

  remove(id: NodeId, key = idKey(id)): boolean {
    const e = this.index.get(key);
    if (!e) return false;
    const i = commonPrefixBits(this.self, id);
    this.removeAt(i, this.buckets[i]!.indexOf(e));
    return true;
  }

  private removeAt(i: number, j: number, promote = true): void {
    const bucket = this.buckets[i]!;
    const [gone] = bucket.splice(j, 1);
    this.index.delete(idKey(gone.id));
    this.count--;
    const repl = promote ? this.replacements[i]?.pop() : undefined;
    if (repl) {
      repl.fails = 0;
      this.insert(bucket, repl);
    }
  }

  get(id: NodeId, key = idKey(id)): RoutingEntry | undefined {
    return this.index.get(key);
  }

  /**
   * The `count` contacts closest to target. Walks buckets in distance order instead of sorting
   * the whole table: bucket cpl(self, target) first, then the deeper ones, then shallower ones.
   */
  closest(target: NodeId, count: number, filter?: (e: RoutingEntry) => boolean): RoutingEntry[] {
    const c = commonPrefixBits(this.self, target);
    const out: RoutingEntry[] = [];
    sortTarget = target;
    if (c < ID_BITS) this.takeSorted(out, this.buckets[c], filter);
    if (out.length < count) {
      // Deeper buckets all share exactly c bits with target: one sorted run.
      const start = out.length;
      for (let i = c + 1; i <= this.deepest; i++) {
        const b = this.buckets[i];
        if (b) for (const e of b) if (!filter || filter(e)) out.push(e);
      }
      insertionSort(out, start);
    }
    for (let i = Math.min(c, ID_BITS) - 1; i >= 0 && out.length < count; i--) this.takeSorted(out, this.buckets[i], filter);
    if (out.length > count) out.length = count;
    return out;
  }

  private takeSorted(out: RoutingEntry[], b: RoutingEntry[] | undefined, filter?: (e: RoutingEntry) => boolean): void {
    if (!b) return;
    const start = out.length;
    for (const e of b) if (!filter || filter(e)) out.push(e);
    insertionSort(out, start);
  }

  all(): RoutingEntry[] {
    const out: RoutingEntry[] = [];
    for (const b of this.buckets) if (b) out.push(...b);
    return out;
  }

  clear(): void {
    this.index.clear();
    this.buckets.fill(undefined);
    this.replacements.fill(undefined);
    this.count = 0;
    this.deepest = -1;
  }

  /** The contacts sharing exactly i prefix bits with us (bucket i), or undefined. */
  bucket(i: number): readonly RoutingEntry[] | undefined {
    return this.buckets[i];
  }

  /** Deepest non-empty bucket index + 1: buckets below it are worth refreshing. */
  depth(): number {
    for (let i = this.deepest; i >= 0; i--) if (this.buckets[i]?.length) return i + 1;
    return 0;
  }

  /** Size of the network this table sees, from the spread of our k closest contacts. */
  estimateNetworkSize(): number {
    const near = this.closest(this.self, this.limits.k);
    if (near.length < this.limits.k) return near.length + 1;
    const f = distanceFraction(this.self, near[near.length - 1].id);
    return Math.max(near.length + 1, Math.round(near.length / f));
  }
}

// Sorting without a closure per call: the lookups call closest() for every reply they build.
let sortTarget: Uint8Array = new Uint8Array(20);

function insertionSort(a: RoutingEntry[], from: number): void {
  for (let i = from + 1; i < a.length; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= from && compareDistance(a[j].id, x.id, sortTarget) > 0) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}
