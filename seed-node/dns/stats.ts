// Counters the server keeps; the seed maps them onto its Prometheus registry. A type alias (not an
// interface) so it fits `exposeCounters(registry, 'dns', () => dns.stats())` as a plain record.
export type DnsStats = {
  received: number;
  udpQueries: number;
  tcpQueries: number;
  /** Packets refused before the answer logic, by reason (garbage is counted, never thrown). */
  malformed: number;
  malformedByCode: Record<string, number>;
  /** UDP responses withheld by the per-source rate limit, and those sent as TC=1 instead ("slip"). */
  rateLimited: number;
  slipped: number;
  /** Replies cut to TC=1 because they did not fit (EDNS size or the amplification budget). */
  truncated: number;
  /** Replies that fit only after dropping authority/additional records. */
  minimized: number;
  /** Plain queries answered from the answer cache, and those answered afresh (then cached). */
  answerCacheHits: number;
  answerCacheMisses: number;
  responses: number;
  rcodes: Record<string, number>;
  tcpConnections: number;
  tcpRejected: number;
  /** Times a TCP client stopped reading its replies and we stopped reading its queries. */
  tcpPaused: number;
};

export function createStats(): DnsStats {
  return { received: 0, udpQueries: 0, tcpQueries: 0, malformed: 0, malformedByCode: {}, rateLimited: 0, slipped: 0, truncated: 0, minimized: 0, answerCacheHits: 0, answerCacheMisses: 0, responses: 0, rcodes: {}, tcpConnections: 0, tcpRejected: 0, tcpPaused: 0 };
}
