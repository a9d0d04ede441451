// "Nearest cluster first": a pure ordering of lookup candidates for one asker.
// Rank 0: connected to the same tracker (signalling needs no relay, likely same network region).
// Rank 1: announcer's cluster equals the asker's cluster.
// Rank 2: announcer's cluster is a seed the asker measured an RTT to, nearer first.
// Rank 3: everything else. Ties keep the input order (callers may shuffle first for fairness).
export interface Candidate {
  peerId: string;
  trackerId: string;
  cluster: string;
}

export interface Asker {
  peerId: string;
  trackerId: string;
  cluster: string;
  /** The asker's measured RTT per seed / cluster id. */
  rttMs: ReadonlyMap<string, number>;
}

export function orderPeers<C extends Candidate>(candidates: readonly C[], asker: Asker, max: number): C[] {
  const scored: { c: C; rank: number; rtt: number; i: number }[] = [];
  candidates.forEach((c, i) => {
    if (c.peerId === asker.peerId) return; // never return the asker
    let rank = 3;
    let rtt = Infinity;
    if (c.trackerId === asker.trackerId) rank = 0;
    else if (c.cluster === asker.cluster) rank = 1;
    else {
      const r = asker.rttMs.get(c.cluster);
      if (r !== undefined) {
        rank = 2;
        rtt = r;
      }
    }
    scored.push({ c, rank, rtt, i });
  });
  scored.sort((a, b) => a.rank - b.rank || a.rtt - b.rtt || a.i - b.i);
  return scored.slice(0, Math.max(0, max)).map((s) => s.c);
}

/** The cluster hint of a browser: the seed it measured the lowest RTT to, else its tracker's id. */
export function clusterOf(rtts: readonly { seed: string; rttMs: number }[], fallback: string): string {
  let best: { seed: string; rttMs: number } | undefined;
  for (const r of rtts) if (!best || r.rttMs < best.rttMs) best = r;
  return best?.seed ?? fallback;
}
