// Coral cluster membership of one level (1 = 60 ms, 2 = 20 ms by default). Every reply we get
// carries the responder's cluster at each level and gives us an RTT sample, so a node learns of
// clusters as a side effect of normal traffic. Periodically it re-evaluates:
//  - leave its cluster when under 50% of sampled members are within the RTT threshold;
//  - join a cluster when at least 80% of its sampled members are within the threshold;
//  - among acceptable clusters prefer the largest; sizes within a factor (2 during the youngest
//    cluster's first hour, 8 the next hour, then repeating) are a tie, won by the lowest id (below
//    k members, sizes are counted and compared exactly).
// A cluster's size is the smaller of what its members advertise and what our own census counts
// (census.ts): adverts overstate a dying cluster whose last members are id neighbours; a census
// overstates a tiny cluster that happens to have a member in one of our shallow buckets.
import { idKey } from '../id';
import type { ClusterAdvert } from '../rpc/messages';
import type { Contact, Rng } from '../types';

const HOUR_MS = 3600_000;

export interface ClusterLimits {
  clusterJoinFraction: number;
  clusterLeaveFraction: number;
  clusterSamples: number;
  clusterMinSamples: number;
  k: number;
}

interface Sample {
  contact: Contact;
  rttMs: number;
}

interface ObservedCluster {
  id: number;
  size: number;
  ageS: number;
  seenAtMs: number;
  samples: Map<string, Sample>;
}

export interface ClusterChoice {
  id: number;
  createdAtMs: number;
  /** Members to join through, lowest RTT first (empty for a new singleton). */
  via: Contact[];
}

/** Cluster sizes by id from our census (census.ts), computed on first call: most evaluations need none. */
export type Census = () => ReadonlyMap<number, number>;

export function newClusterId(rng: Rng): number {
  return Math.floor(rng() * 2 ** 48) || 1;
}

export class ClusterMembership {
  id: number;
  createdAtMs: number;
  /** Our cluster's size as our own routing table estimates it, smoothed over time (0: not yet measured). */
  sizeEstimate = 1;
  private readonly observed = new Map<number, ObservedCluster>();
  private readonly memberOf = new Map<string, number>(); // node -> cluster it was last seen in

  constructor(
    readonly level: number,
    readonly rttThresholdMs: number,
    private readonly limits: ClusterLimits,
    private readonly rng: Rng,
    nowMs: number,
  ) {
    this.id = newClusterId(rng);
    this.createdAtMs = nowMs;
  }

  ageS(nowMs: number): number {
    return Math.max(0, Math.floor((nowMs - this.createdAtMs) / 1000));
  }

  /** Notes that `contact`, a member of cluster `advert`, answered in rttMs. */
  observe(advert: ClusterAdvert, contact: Contact, rttMs: number, nowMs: number, key = idKey(contact.id)): void {
    const prev = this.memberOf.get(key);
    if (prev !== undefined && prev !== advert.id) this.observed.get(prev)?.samples.delete(key);
    this.memberOf.set(key, advert.id);
    let c = this.observed.get(advert.id);
    if (!c) {
      c = { id: advert.id, size: advert.size, ageS: advert.ageS, seenAtMs: nowMs, samples: new Map() };
      this.observed.set(advert.id, c);
    }
    // Size estimates are noisy (each member extrapolates from its own routing table): smooth them,
    // never take the maximum, or two clusters can each look like the larger one to the other.
    c.size = nowMs - c.seenAtMs > HOUR_MS ? advert.size : 0.7 * c.size + 0.3 * advert.size;
    c.ageS = Math.max(c.ageS, advert.ageS);
    c.seenAtMs = nowMs;
    const s = c.samples.get(key);
    if (s) {
      c.samples.delete(key); // re-insert: the map stays ordered oldest -> newest
      s.rttMs = Math.min(s.rttMs, rttMs); // queueing only adds delay: the minimum is the path's RTT
      s.contact = contact;
      c.samples.set(key, s);
    } else {
      c.samples.set(key, { contact, rttMs });
      if (c.samples.size > this.limits.clusterSamples) {
        const oldest = c.samples.keys().next().value as string;
        c.samples.delete(oldest);
        this.memberOf.delete(oldest);
      }
    }
  }

  /** True when we sampled this node before in another cluster than `advert` (it moved). */
  movedFrom(advert: ClusterAdvert, key: string): boolean {
    const prev = this.memberOf.get(key);
    return prev !== undefined && prev !== advert.id;
  }

  /** True when we hold an RTT sample of this node (in the cluster it was last seen in). */
  hasSample(key: string): boolean {
    return this.memberOf.has(key);
  }

  forget(contact: Contact): void {
    const key = idKey(contact.id);
    const prev = this.memberOf.get(key);
    if (prev !== undefined) this.observed.get(prev)?.samples.delete(key);
    this.memberOf.delete(key);
  }

  /** Sampled members of c within the threshold. */
  private nearCount(c: ObservedCluster): number {
    let near = 0;
    for (const s of c.samples.values()) if (s.rttMs < this.rttThresholdMs) near++;
    return near;
  }

  /** Share of sampled members within the threshold, or null when too few samples to judge. */
  private nearFraction(c: ObservedCluster): number | null {
    const need = Math.min(this.limits.clusterMinSamples, Math.max(1, c.size));
    if (c.samples.size < need) return null;
    return this.nearCount(c) / c.samples.size;
  }

  /**
   * True when a (size sa, id ia) beats b under Coral's tie rule. Clusters under k members are
   * counted, not estimated (their members fit in one bucket of our tables), so they compare exactly:
   * with the factor, a pair and a singleton would tie and the singleton could win on its id.
   */
  private beats(sa: number, ia: number, sb: number, ib: number, youngestAgeMs: number): boolean {
    if (Math.max(sa, sb) < this.limits.k) return sa === sb ? ia < ib : sa > sb;
    const factor = Math.floor(youngestAgeMs / HOUR_MS) % 2 === 0 ? 2 : 8;
    const tie = Math.max(sa, sb) <= factor * Math.max(1, Math.min(sa, sb));
    return tie ? ia < ib : sa > sb;
  }

  /**
   * A cluster's size for our decisions: the lower of its members' adverts (for our own cluster, at
   * least our table's estimate: adverts lag right after we join) and our census, never less than
   * the members we sampled ourselves (plus us, for our own cluster).
   */
  private sizeOf(c: ObservedCluster | undefined, id: number, census: Census): number {
    const self = id === this.id ? 1 : 0;
    const advertised = self ? (c && c.samples.size > 0 ? Math.max(c.size, this.sizeEstimate) : this.sizeEstimate) : (c?.size ?? 0);
    const counted = (census().get(id) ?? 0) + self;
    return Math.max(Math.min(advertised, counted), (c?.samples.size ?? 0) + self);
  }

  /**
   * When our own cluster's samples say leave: the members that look far. One slow reply (e.g. from a
   * member busy at that moment) is enough to say so; a second sample, kept as the minimum, confirms it.
   */
  farMembersIfLeaving(): Contact[] {
    const mine = this.observed.get(this.id);
    const frac = mine ? this.nearFraction(mine) : null;
    if (!mine || frac === null || frac >= this.limits.clusterLeaveFraction) return [];
    return [...mine.samples.values()].filter((s) => s.rttMs >= this.rttThresholdMs).map((s) => s.contact);
  }

  /** Decides membership. Returns the cluster to move to, or null to stay. */
  evaluate(census: Census, nowMs: number): ClusterChoice | null {
    const mine = this.observed.get(this.id);
    const mineFrac = mine ? this.nearFraction(mine) : null;
    const leaving = mineFrac !== null && mineFrac < this.limits.clusterLeaveFraction;
    const candidates: ObservedCluster[] = [];
    for (const c of this.observed.values()) {
      if (c.id === this.id || c.samples.size === 0) continue;
      const frac = this.nearFraction(c);
      if (frac !== null && frac >= this.limits.clusterJoinFraction) candidates.push(c);
    }
    if (candidates.length === 0) return leaving ? { id: newClusterId(this.rng), createdAtMs: nowMs, via: [] } : null;
    let best: ObservedCluster | null = null;
    let bestSize = leaving ? 0 : this.sizeOf(mine, this.id, census);
    let bestId = leaving ? Infinity : this.id;
    let bestAgeMs = leaving ? Infinity : nowMs - this.createdAtMs;
    for (const c of candidates) {
      const youngest = Math.min(bestAgeMs, c.ageS * 1000);
      const size = this.sizeOf(c, c.id, census);
      if (bestId === Infinity || this.beats(size, c.id, bestSize, bestId, youngest)) {
        best = c;
        bestSize = size;
        bestId = c.id;
        bestAgeMs = c.ageS * 1000;
      }
    }
    if (!best) return null;
    const via = [...best.samples.values()].filter((s) => s.rttMs < this.rttThresholdMs).sort((a, b) => a.rttMs - b.rttMs);
    return { id: best.id, createdAtMs: nowMs - best.ageS * 1000, via: via.map((s) => s.contact) };
  }

  /**
   * Clusters that look near (every sample under the threshold) but have too few samples to judge,
   * largest first, each with one near member to ask for more members.
   */
  undersampled(max: number, census: Census): Array<{ id: number; via: Contact }> {
    const out: Array<{ c: ObservedCluster; size: number; via: Contact }> = [];
    for (const c of this.observed.values()) {
      if (c.id === this.id || c.samples.size === 0 || this.nearFraction(c) !== null) continue;
      let via: Sample | undefined;
      let allNear = true;
      for (const s of c.samples.values()) {
        if (s.rttMs >= this.rttThresholdMs) allNear = false;
        else if (!via || s.rttMs < via.rttMs) via = s;
      }
      if (allNear && via) out.push({ c, size: 0, via: via.contact });
    }
    if (out.length > 1) {
      for (const o of out) o.size = this.sizeOf(o.c, o.c.id, census);
      out.sort((a, b) => b.size - a.size);
    }
    return out.slice(0, max).map((o) => ({ id: o.c.id, via: o.via }));
  }

  /**
   * A newcomer's first pick, before it has enough samples for the 80% rule: the largest cluster
   * among nodes it measured under the threshold. The next evaluation confirms it or leaves it.
   */
  provisional(census: Census, nowMs: number): ClusterChoice | null {
    let best: ObservedCluster | null = null;
    let bestSize = 0;
    for (const c of this.observed.values()) {
      if (c.id === this.id) continue;
      let near = false;
      for (const s of c.samples.values()) if (s.rttMs < this.rttThresholdMs) near = true;
      if (!near) continue;
      const size = this.sizeOf(c, c.id, census);
      if (!best || this.beats(size, c.id, bestSize, best.id, Math.min(c.ageS, best.ageS) * 1000)) {
        best = c;
        bestSize = size;
      }
    }
    if (!best) return null;
    const via = [...best.samples.values()].sort((a, b) => a.rttMs - b.rttMs).map((s) => s.contact);
    return { id: best.id, createdAtMs: nowMs - best.ageS * 1000, via };
  }

  /** Folds this node's own routing-table estimate into the smoothed size. */
  noteOwnEstimate(size: number): void {
    this.sizeEstimate = this.sizeEstimate === 0 ? size : 0.5 * this.sizeEstimate + 0.5 * size;
  }

  switchTo(choice: ClusterChoice): void {
    // Advertise only what our own table measures, never a size copied from others: copied sizes
    // echo between members and keep a dying cluster looking large enough to join.
    this.sizeEstimate = 0;
    this.id = choice.id;
    this.createdAtMs = choice.createdAtMs;
  }

  /** Clusters this node has heard of at this level (for diagnostics). */
  knownClusters(): number {
    return this.observed.size;
  }
}
