// Plain counters the seed exports to Prometheus.
import type { ProxyErrorCode } from './errors';

export function newCounters() {
  return {
    requests: 0,
    hits: 0,
    misses: 0,
    peerHits: 0,
    staleServed: 0,
    revalidated: 0,
    coalescedWaiters: 0,
    originFetches: 0,
    peerFetchesTried: 0,
    peerFetchesOk: 0,
    servedToPeers: 0,
    verifyFailures: 0,
    bytesServed: 0,
    errors: {} as Partial<Record<ProxyErrorCode, number>>,
  };
}

export type Counters = ReturnType<typeof newCounters>;

export interface ProxyStats extends Omit<Counters, 'errors'> {
  errors: Partial<Record<ProxyErrorCode, number>>;
  cacheObjects: number;
  cacheBytes: number;
  inFlight: number;
  indexErrors: number;
  indexPointersPut: number;
  indexGarbage: number;
  manifestsInvalid: number;
}
