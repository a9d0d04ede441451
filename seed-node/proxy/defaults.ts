// One DEFAULTS object for the caching proxy; `createProxy({ limits })` overrides any of these.
const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const MIB = 1024 * 1024;

export const PROXY_DEFAULTS = {
  /** Freshness when the origin gives no Cache-Control max-age / Expires (CoralCDN used 12 h). */
  defaultTtlMs: 12 * HOUR_MS,
  /** Largest object fetched, cached or served, enforced while streaming when Content-Length is absent. */
  maxObjectBytes: 50 * MIB,
  /** Coral's short-lived "I am fetching this" pointer, so other seeds cut through instead of hitting the origin. */
  fetchingPointerTtlMs: 20 * SECOND_MS,
  /** Longest life of a "held" pointer; it is also capped by the object's own remaining freshness. */
  heldPointerTtlMs: HOUR_MS,
  /** Time to the origin's (or a peer's) response headers, and the longest silence while its body streams. */
  originHeadersTimeoutMs: 15 * SECOND_MS,
  originIdleTimeoutMs: 15 * SECOND_MS,
  peerHeadersTimeoutMs: 3 * SECOND_MS,
  /** An index lookup slower than this is treated as "no peer has it". */
  indexTimeoutMs: 1 * SECOND_MS,
  /** Peers tried (in index order, nearest cluster first) before going to the origin. */
  maxPeerTries: 2,
  /** How long an origin's /.well-known/reef.json (or its absence) is remembered. */
  manifestTtlMs: MINUTE_MS,
  /** Per-client (remote address) quotas: a token bucket for requests and one for bytes served. */
  clientRequestsPerSec: 50,
  clientRequestBurst: 200,
  clientBytesPerSec: 20 * MIB,
  clientByteBurst: 100 * MIB,
  /** Per-origin quotas over all clients, so one popular (or abusive) site cannot take the whole seed. */
  originRequestsPerSec: 500,
  originRequestBurst: 2000,
  originBytesPerSec: 100 * MIB,
  originByteBurst: 500 * MIB,
  /** Bound on remembered quota keys; the least recently seen is forgotten first. */
  quotaTableSize: 10_000,
  /** A client whose socket accepts nothing for this long is disconnected (slow-read protection). */
  slowClientMs: 30 * SECOND_MS,
  /** Via entries tolerated on an incoming request before it is refused as a loop. */
  maxViaHops: 4,
  /** The hot set: objects up to this size are also kept in memory after first use (a 1 MiB hit then costs no
   * file read); the memory cache is bounded in total. */
  memoryObjectMaxBytes: 2 * MIB,
  memoryCacheBytes: 64 * MIB,
};

export type ProxyLimits = typeof PROXY_DEFAULTS;

/** Path of the seed-to-seed fetch: `GET /.well-known/reef/proxy?url=<absolute origin URL>`. */
export const PEER_FETCH_PATH = '/.well-known/reef/proxy';
/** Header a seed sets on a peer fetch, carrying its id. */
export const PEER_HEADER = 'x-reef-peer';
