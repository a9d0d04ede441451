// "Nearest cluster first": a pure ordering of lookup candidates for one asker.
// Rank 0: connected to the same tracker (signalling needs no relay, likely same network region).
// Rank 1: announcer's cluster equals the asker's cluster.
// Rank 2: announcer's cluster is a seed the asker measured an RTT to, nearer first.
// Rank 3: everything else. Ties keep the input order (callers rotate the input for fairness).
// Candidates are taken as they are (index values decode to this shape): no per-candidate copies.
export interface Candidate {
  peerId: string;
  tracker: { id: string };
  cluster: string;
}

export interface Asker {
  peerId: string;
  trackerId: string;
  cluster: string;
  /** The asker's measured RTT per seed / cluster id. */
  rttMs: ReadonlyMap<string, number>;
}

export function orderPeers<C extends Candidate>(candidates: Iterable<C>, asker: Asker, max: number): C[] {
  if (max <= 0) return [];
  const same: C[] = [];
  const cluster: C[] = [];
  const known: { c: C; rtt: number }[] = [];
  const rest: C[] = [];
  for (const c of candidates) {
    if (c.peerId === asker.peerId) continue; // never return the asker
    if (c.tracker.id === asker.trackerId) {
      same.push(c);
      if (same.length >= max) break; // nothing can rank above these
    } else if (c.cluster === asker.cluster) cluster.push(c);
    else {
      const rtt = asker.rttMs.get(c.cluster);
      if (rtt !== undefined) known.push({ c, rtt });
      else if (rest.length < max) rest.push(c);
    }
  }
  known.sort((a, b) => a.rtt - b.rtt); // stable: equal RTTs keep input order
  const out = same;
  for (const c of cluster) if (out.length < max) out.push(c);
  for (const k of known) if (out.length < max) out.push(k.c);
  for (const c of rest) if (out.length < max) out.push(c);
  return out.slice(0, max);
}

/** The cluster hint of a browser: the seed it measured the lowest RTT to, else its tracker's id. */
export function clusterOf(rtts: readonly { seed: string; rttMs: number }[], fallback: string): string {
  let best: { seed: string; rttMs: number } | undefined;
  for (const r of rtts) if (!best || r.rttMs < best.rttMs) best = r;
  return best?.seed ?? fallback;
}
