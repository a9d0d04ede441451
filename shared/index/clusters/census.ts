// Cluster sizes as one node sees them through its level-0 routing table. Members' own size
// adverts mislead in one case that matters: each extrapolates from the spread of its k closest
// cluster mates, and the last members of a dying cluster are id neighbours (they are the ones that kept
// meeting), so a cluster of a few hundred advertises thousands and outlives its region's cluster.
// The level-0 table is a stratified sample of the whole network that cluster membership does not
// shape: bucket i holds contacts from a subtree of about n / 2^(i+1) nodes, so each contact there
// stands for that many nodes over the bucket's count, and a cluster's size is the sum over the
// contacts advertising it. No messages, no echo between members: every node counts for itself.
// A census has its own bias (a singleton with a member in our bucket 0 counts as hundreds), so
// membership.ts takes the smaller of a cluster's census and its adverts.
import { ID_BITS } from '../id';
import type { RoutingTable } from '../routing/table';

/**
 * Estimated members per cluster id at each of `levels` cluster levels (result[l - 1] is level l),
 * from the last adverts of level-0 contacts. Old adverts are counted too: keeping only fresh ones
 * keeps the contacts we talk to most, and those are our own cluster's members (every cluster-level
 * lookup updates their level-0 entry).
 */
export function clusterCensus(table: RoutingTable, levels: number, networkSize: number): Map<number, number>[] {
  const sizes = Array.from({ length: levels }, () => new Map<number, number>());
  const depth = Math.min(table.depth(), ID_BITS);
  for (let i = 0; i < depth; i++) {
    const bucket = table.bucket(i);
    if (!bucket) continue;
    let counted = 0;
    for (const e of bucket) if (e.clusterIds) counted++;
    if (counted === 0) continue;
    // A bucket that holds its whole subtree counts its members one by one.
    const weight = Math.max(1, networkSize / 2 ** (i + 1) / counted);
    for (const e of bucket) {
      const adverts = e.clusterIds;
      if (!adverts) continue;
      for (let l = 0; l < levels && l < adverts.length; l++) {
        const id = adverts[l].id;
        sizes[l].set(id, (sizes[l].get(id) ?? 0) + weight);
      }
    }
  }
  return sizes;
}
