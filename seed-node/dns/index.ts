// Public surface of the Reef authoritative DNS component (hosted by `reef seed`).
export { startDnsServer, type DnsServer, type DnsServerOptions } from './server';
export { DNS_DEFAULTS, type DnsLimits } from './defaults';
export type { SeedDirectory, SeedInfo, SeedClusters, SeedService } from './directory';
export { StaticSeedDirectory, type PrefixHint } from './static-directory';
export { LivenessTracker, LIVENESS_DEFAULTS, type LivenessOptions } from './liveness';
export { startLivenessProber, type LivenessProber } from './prober';
export { parseReefName, formatReefName, classifyName, nameserverHost, clusterZone, idLabel, type ReefName } from './name';
export type { DnsStats } from './stats';
export { DnsError, type DnsRejectCode } from './errors';
export type { Logger } from './log';
export type { Clock } from '../../shared/clock';
