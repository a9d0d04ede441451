// Iterative Kademlia lookup with alpha RPCs in flight. The per-peer RPC is a function, so the
// lookup runs against declared topologies in tests with no network at all. Callback style (no
// promises inside) keeps thousands of simulated lookups cheap and deterministic.
import { commonPrefixBits, compareDistance, idEquals, idKey } from '../id';
import type { Contact, NodeId } from '../types';

export interface QueryReply {
  contacts: Contact[];
  /** The lookup has its answer (a get found values): finish now. */
  done?: boolean;
  /** Do not go past this node (a put met a full and loaded node): finish now. */
  halt?: boolean;
}

export interface LookupPeer {
  contact: Contact;
  /** RPC hops from the requester: seeds are 1. */
  depth: number;
  state: 'new' | 'pending' | 'ok' | 'failed';
  reply?: QueryReply;
}

export interface LookupOutcome {
  /** Peers that answered, closest to the target first. */
  responded: LookupPeer[];
  /** The peer whose reply ended the lookup early (done or halt), if any. */
  finishedBy?: LookupPeer;
  /** Hops to the answering peer, or to the closest peer that answered. */
  hops: number;
  rpcs: number;
}

export interface LookupOptions {
  self: NodeId;
  target: NodeId;
  k: number;
  alpha: number;
  seeds: Array<{ contact: Contact; depth?: number }>;
  /**
   * Coral's full route: a hop may reach at most this many more prefix bits of the target than
   * the best node that answered so far (0 = greedy Kademlia). Walks then pass the nodes at each
   * prefix length, where full and loaded nodes stop puts before the key's closest nodes.
   */
  bitsPerHop?: number;
  query(contact: Contact, reply: (r: QueryReply | null) => void): void;
  onDone(outcome: LookupOutcome): void;
}

export function iterativeLookup(o: LookupOptions): { cancel(): void } {
  const peers: LookupPeer[] = []; // sorted by distance to target
  const seen = new Set<string>([idKey(o.self)]);
  let inflight = 0;
  let rpcs = 0;
  let finished = false;
  const band = o.bitsPerHop ?? 0;
  let reached = commonPrefixBits(o.self, o.target);

  const add = (contact: Contact, depth: number) => {
    const key = idKey(contact.id);
    if (seen.has(key)) return;
    seen.add(key);
    let lo = 0;
    let hi = peers.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareDistance(peers[mid].contact.id, contact.id, o.target) < 0) lo = mid + 1;
      else hi = mid;
    }
    peers.splice(lo, 0, { contact, depth, state: 'new' });
  };

  const finish = (by?: LookupPeer) => {
    if (finished) return;
    finished = true;
    const responded = peers.filter((p) => p.state === 'ok');
    const hops = by ? by.depth : (responded[0]?.depth ?? 0);
    o.onDone({ responded, finishedBy: by, hops, rpcs });
  };

  const send = (p: LookupPeer) => {
    p.state = 'pending';
    inflight++;
    rpcs++;
    o.query(p.contact, (r) => onReply(p, r));
  };

  const pump = () => {
    if (finished) return;
    let live = 0;
    let beyond: LookupPeer | undefined; // closest candidate outside the band, if any
    for (let i = 0; i < peers.length && live < o.k; i++) {
      const p = peers[i];
      if (p.state === 'failed') continue;
      live++;
      if (p.state !== 'new' || inflight >= o.alpha) continue;
      if (band > 0 && commonPrefixBits(p.contact.id, o.target) > reached + band) {
        beyond ??= p;
        continue;
      }
      send(p);
      if (finished) return;
    }
    // Nobody inside the band is left: take the next step anyway rather than stall.
    if (inflight === 0 && beyond) send(beyond);
    if (inflight === 0 && !finished) finish();
  };

  const onReply = (p: LookupPeer, r: QueryReply | null) => {
    inflight--;
    if (finished) return;
    if (!r) {
      p.state = 'failed';
      pump();
      return;
    }
    p.state = 'ok';
    p.reply = r;
    if (band > 0) reached = Math.max(reached, commonPrefixBits(p.contact.id, o.target));
    if (r.done || r.halt) return finish(p);
    for (const c of r.contacts) if (!idEquals(c.id, o.self)) add(c, p.depth + 1);
    pump();
  };

  for (const s of o.seeds) add(s.contact, s.depth ?? 1);
  pump();
  return {
    cancel: () => {
      finished = true;
    },
  };
}
