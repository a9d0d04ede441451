// Defaults of the Coral index. Units are in the names; every limit is on by default.
export const INDEX_DEFAULTS = {
  /** Bucket size and replication width of lookups (Kademlia's k). */
  k: 20,
  /** Parallel RPCs per lookup (Kademlia's alpha). */
  alpha: 3,
  /**
   * Parallel RPCs of a put or get walk. Coral walks one hop at a time; measured, 1 and 3 load the
   * key's nearest nodes alike (within Coral's bound), and 3 rides out dead hops much faster.
   */
  walkAlpha: 3,
  /**
   * Coral's b: a put or get walk gains at most this many prefix bits of the key per hop (0 =
   * greedy Kademlia). Also the b of Coral's root-load bound beta * (2^b - 1) * ceil(log2 n / b).
   */
  bitsPerHop: 2,
  /** RTT thresholds of levels 1, 2, ... (level 0 is global, threshold infinite). */
  rttThresholdsMs: [60, 20] as number[],
  /**
   * Bootstrap nodes that did not answer (down, or too busy to answer within the timeout) are pinged
   * again after 1 s, 2 s, 4 s, … up to this interval, while our routing table holds under k contacts.
   */
  bootstrapRetryMaxMs: 30_000,
  /** Timeout of one RPC to a contact whose RTT we do not know. */
  rpcTimeoutMs: 1000,
  /** Floor of the per-contact timeout derived from measured RTT (timeout = max(floor, 4 x RTT)). */
  minRpcTimeoutMs: 150,
  /** A contact with this many consecutive failures leaves the routing table. */
  maxContactFailures: 2,
  /** A full bucket's stalest member is pinged (to make room) only if silent this long. */
  pingStaleAfterMs: 5 * 60_000,
  /** Replacement contacts kept per bucket, promoted when a member fails. */
  replacementsPerBucket: 4,
  /** Coral's l: a node is "full" for a key with this many values of enough TTL. */
  fullValues: 4,
  /** Coral's beta: a node is "loaded" with more than this many puts for a key per minute. */
  loadedPutsPerMinute: 12,
  /** Values a node keeps per key at most (oldest-expiring dropped first). */
  maxValuesPerKey: 32,
  /** Distinct keys one node stores at most per level. */
  maxKeysPerLevel: 100_000,
  /** Values returned by one get RPC at most. */
  maxValuesPerGet: 8,
  /** Largest opaque value accepted. */
  maxValueBytes: 1024,
  /** Longest TTL accepted for a stored value. */
  maxTtlMs: 24 * 3600_000,
  /** How many nodes a put stores on (the closest eligible ones). */
  storeReplicas: 2,
  /** One tick drives all maintenance (expiry, refresh, republish, cluster re-evaluation). */
  maintenanceIntervalMs: 60_000,
  /** A bucket not looked up for this long is refreshed by a random lookup into it. */
  refreshIntervalMs: 60 * 60_000,
  /** This node's own puts are repeated this often while their TTL lasts. */
  republishIntervalMs: 5 * 60_000,
  /** Coral re-evaluates cluster membership every five minutes. */
  clusterEvalIntervalMs: 5 * 60_000,
  /** Hysteresis of cluster membership: join at 80% of sampled members under threshold, leave under 50%. */
  clusterJoinFraction: 0.8,
  clusterLeaveFraction: 0.5,
  /** RTT samples kept per observed cluster, and the least needed to judge it. */
  clusterSamples: 16,
  clusterMinSamples: 3,
  /** Contacts pinged before each re-evaluation so the samples are fresh (half nearest, half random). */
  clusterProbes: 8,
  /** Largest application payload carried by request(). */
  maxAppPayloadBytes: 8 * 1024,
  /** Largest datagram we send or accept. */
  maxPacketBytes: 9 * 1024,
} as const;

export type IndexConfig = {
  -readonly [K in keyof typeof INDEX_DEFAULTS]: (typeof INDEX_DEFAULTS)[K] extends readonly number[] ? number[] : (typeof INDEX_DEFAULTS)[K] extends number ? number : (typeof INDEX_DEFAULTS)[K];
};

/** Service bits a node advertises (Coral's nodes(..., services)). */
export const SERVICES = { proxy: 1, dns: 2, tracker: 4 } as const;

/** Wire protocol version, first byte after the magic of every packet. */
export const PROTOCOL_VERSION = 1;
