// Public surface of the fetch engine (the extension's offscreen document and `reef peer` use this).
export { FetchEngine, ENGINE_DEFAULTS, normalizeSite, type FetchEngineDeps, type FetchEngineInit, type EngineConfig } from './engine';
export { FETCH_DEFAULTS, type FetchRequest, type FetchResult, type FetchConfig, type ChunkSource, type SourceCounts } from './object-fetch';
export { MemoryChunkStore, type ChunkStore, type ChunkMeta, type StoreHolding } from './chunk-store';
export { ReefFetchError, type ReefFetchErrorCode } from './errors';
export { PEER_LINK_DEFAULTS, type PeerLinkConfig } from './peer-link';
export { SWARM_DEFAULTS, type SwarmConfig } from './swarm';
export { TRACKER_SESSION_DEFAULTS, TrackerSession, type TrackerSessionConfig } from './tracker-session';
export * from './types';
export * as peerProtocol from './peer-protocol';
