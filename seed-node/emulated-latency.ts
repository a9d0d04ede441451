// Latency injected in the index transport, for running several "regions" on one loopback host (the demo,
// experiments): tc/netem is not available everywhere, so each outgoing packet waits half the RTT between
// the sender's and the receiver's regions before it is sent.
import type { Address, Clock, Transport } from '../shared/index/types';

export interface LatencyModel {
  /** Region of an index address, e.g. from its loopback IP. */
  regionOf(address: Address): string;
  /** Round-trip time between two regions, in ms. */
  rttMs(a: string, b: string): number;
}

export function withLatency(inner: Transport, model: LatencyModel, clock: Clock): Transport {
  const here = model.regionOf(inner.address);
  return {
    get address() {
      return inner.address;
    },
    send(to, packet) {
      const delay = model.rttMs(here, model.regionOf(to)) / 2;
      if (delay <= 0) return inner.send(to, packet);
      const copy = packet.slice(); // the caller may reuse its buffer
      clock.setTimeout(() => inner.send(to, copy), delay);
    },
    onPacket: (handler) => inner.onPacket(handler),
    close: () => inner.close(),
  };
}

/**
 * The demo's model: 127.0.<r>.x is region r (names[r]). Same region 4 ms; otherwise the table's RTT.
 */
export function loopbackRegions(names: string[], interRegionRttMs: number[][], sameRegionRttMs = 4): LatencyModel {
  const index = (address: Address) => Number(/^127\.0\.(\d+)\./.exec(address)?.[1] ?? -1);
  return {
    regionOf: (address) => names[index(address)] ?? 'unknown',
    rttMs: (a, b) => {
      if (a === b) return sameRegionRttMs;
      const i = names.indexOf(a);
      const j = names.indexOf(b);
      return i < 0 || j < 0 ? 100 : interRegionRttMs[i][j];
    },
  };
}
