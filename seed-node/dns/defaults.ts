// DNS server defaults: safe limits on by default, units in every name.
export const DNS_DEFAULTS = {
  /** Proxy addresses per A/AAAA answer: at least this many when that many are live… */
  minAnswers: 2,
  /** …and never more than this many (load is spread by choosing among the near-enough set). */
  maxAnswers: 4,
  /** Live candidates asked from the directory per answer; the near-enough subset is shuffled. */
  candidatePool: 8,
  /** A candidate is "near enough" when its RTT is within this factor (plus slack) of the best. */
  nearRttFactor: 2,
  nearRttSlackMs: 20,
  /** Proxy A/AAAA records are short-lived so a dead proxy leaves resolver caches quickly. */
  answerTtlSec: 30,
  /** NS/glue TTL: short, so an offline nameserver is forgotten within a minute. */
  nsTtlSec: 60,
  /** The L0 → cluster CNAME; a resolver keeps using its cluster's name this long. */
  clusterCnameTtlSec: 300,
  /** SOA TTL and negative-caching time (SOA MINIMUM). */
  soaTtlSec: 30,
  negativeTtlSec: 30,
  /** NS set size: a cluster zone lists only its own nameservers unless it has fewer than the minimum. */
  minNameservers: 2,
  maxNameservers: 4,
  /** Largest query accepted at all (bigger datagrams/frames are dropped before decoding). */
  maxQueryBytes: 1232,
  /** Additional records a query may carry (OPT, maybe TSIG); anything more is FORMERR. */
  maxQueryAdditionals: 2,
  /** Our EDNS(0) UDP payload size (the DNS flag day 2020 value) and the floor without EDNS. */
  maxUdpResponseBytes: 1232,
  plainUdpResponseBytes: 512,
  /** UDP reply to a source we have not verified (no recent TCP) is at most this × the query size. */
  unverifiedAmplificationFactor: 3,
  /** A source that completed a TCP query counts as verified (not spoofed) this long. */
  verifiedSourceTtlMs: 10 * 60_000,
  /** Response-rate limit per UDP source address (/32 for IPv4, /64 for IPv6). */
  rrlResponsesPerSec: 100,
  rrlBurst: 200,
  /** Every Nth rate-limited response is sent as a tiny TC=1 reply so a real resolver retries over TCP. */
  rrlSlip: 2,
  /** Directory answers are reused this long per resolver (counts against the 15 s liveness bound). */
  directoryCacheMs: 250,
  /**
   * Encoded replies kept per (question, resolver locality): at most this many keys, each this long
   * (well under the 30 s record TTL; a change in the live seeds drops them at once), each with this
   * many independently answered replies handed out in turn so load keeps spreading.
   */
  answerCacheEntries: 20_000,
  answerCacheMs: 10_000,
  answerCacheRotations: 4,
  /** Bounded tables: rate-limit buckets and verified sources kept (oldest evicted first). */
  maxTrackedSources: 100_000,
  /** TCP: idle connections are closed; at most this many at once. */
  tcpIdleTimeoutMs: 10_000,
  maxTcpConnections: 256,
  maxTcpConnectionsPerSource: 16,
};

export type DnsLimits = typeof DNS_DEFAULTS;
