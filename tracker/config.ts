// Tracker defaults: safe limits on by default, units in every name.
import type { IceServer } from '../shared/tracker/protocol';

export const TRACKER_DEFAULTS = {
  /** A session with no message for this long is closed; clients heartbeat at a third of it. */
  idleTimeoutMs: 90_000,
  /** How long an announcement lives in the index without a refresh. */
  announceTtlMs: 5 * 60_000,
  /** A heartbeat re-puts a session's announcements once they are older than this. */
  refreshAfterMs: 2 * 60_000,
  /** Per-connection token bucket: sustained messages per second, and burst. */
  messagesPerSec: 50,
  messageBurst: 100,
  /** Frames above this get a `too-large` error; the socket layer hard-closes above 4x. */
  maxMessageBytes: 64 * 1024,
  maxObjectsPerPeer: 2_000,
  /** Abuse budget: every malformed/over-limit frame costs one strike; strikes refill slowly. */
  maxStrikes: 20,
  strikeRefillMs: 5_000,
  defaultLookupPeers: 20,
  /** Index values examined per lookup (from a random start): bounds the cost for popular objects. */
  lookupScanLimit: 128,
  /** Remote peers' trackers remembered for signal routing (an LRU). */
  routeCacheSize: 50_000,
  routeTtlMs: 10 * 60_000,
  /** How often the one maintenance tick runs (idle sweep, route expiry). */
  tickMs: 5_000,
  iceServers: [] as IceServer[],
};

export type TrackerConfig = typeof TRACKER_DEFAULTS;
