// In-memory datagram network on virtual time. RTT model: regions sit on a circle with 120 ms
// between neighbouring regions, nodes within a few ms of their region's centre; one-way delay is
// half the RTT plus seeded jitter. Optional loss; crashed nodes silently drop everything.
import type { Address, Rng, Transport } from '../types';
import type { VirtualClock } from './clock';

export const NETWORK_DEFAULTS = {
  regions: 3,
  /** RTT between the centres of neighbouring regions. */
  neighbourRegionRttMs: 120,
  /** Nodes lie within this distance (in ms of RTT) of their region's centre. */
  regionRadiusMs: 4,
  /** Floor of every RTT (serialisation, last mile). */
  baseRttMs: 1,
  /** Extra one-way delay as a fraction of it, uniform. */
  jitterFraction: 0.05,
  lossRate: 0,
};
export type NetworkOptions = typeof NETWORK_DEFAULTS;

interface Endpoint {
  x: number;
  y: number;
  region: number;
  down: boolean;
  handler: ((from: Address, packet: Uint8Array) => void) | null;
}

export class SimNetwork {
  readonly options: NetworkOptions;
  readonly counters = { sent: 0, delivered: 0, lost: 0, toDown: 0 };
  private readonly endpoints = new Map<Address, Endpoint>();
  private readonly centres: Array<[number, number]>;
  private nextHost = 1;

  constructor(
    private readonly clock: VirtualClock,
    private readonly rng: Rng,
    options: Partial<NetworkOptions> = {},
  ) {
    this.options = { ...NETWORK_DEFAULTS, ...options };
    const R = Math.max(1, this.options.regions);
    const radius = R === 1 ? 0 : this.options.neighbourRegionRttMs / 2 / Math.sin(Math.PI / R);
    this.centres = Array.from({ length: R }, (_, r) => [radius * Math.cos((2 * Math.PI * r) / R), radius * Math.sin((2 * Math.PI * r) / R)]);
  }

  /** A transport for a new host in `region` (its address encodes the region: 10.<region>.x.y). */
  createTransport(region = Math.floor(this.rng() * this.centres.length)): Transport & { region: number } {
    const h = this.nextHost++;
    const address = `10.${region}.${(h >> 8) & 255}.${h & 255}:${7000 + (h >> 16)}`;
    const a = this.rng() * 2 * Math.PI;
    const d = Math.sqrt(this.rng()) * this.options.regionRadiusMs;
    const [cx, cy] = this.centres[region];
    const ep: Endpoint = { x: cx + d * Math.cos(a), y: cy + d * Math.sin(a), region, down: false, handler: null };
    this.endpoints.set(address, ep);
    return {
      address,
      region,
      send: (to, packet) => this.send(address, ep, to, packet),
      onPacket: (handler) => {
        ep.handler = handler;
      },
      close: () => {
        ep.handler = null;
      },
    };
  }

  rttMs(a: Address, b: Address): number {
    const ea = this.endpoints.get(a);
    const eb = this.endpoints.get(b);
    if (!ea || !eb) return Infinity;
    return this.options.baseRttMs + Math.hypot(ea.x - eb.x, ea.y - eb.y);
  }

  regionOf(a: Address): number {
    return this.endpoints.get(a)?.region ?? -1;
  }

  /** A crash: the host stops sending and receiving, without telling anyone. */
  setDown(a: Address, down = true): void {
    const ep = this.endpoints.get(a);
    if (ep) ep.down = down;
  }

  isDown(a: Address): boolean {
    return this.endpoints.get(a)?.down ?? true;
  }

  private send(from: Address, src: Endpoint, to: Address, packet: Uint8Array): void {
    this.counters.sent++;
    if (src.down) return;
    const dst = this.endpoints.get(to);
    if (!dst || dst.down) {
      this.counters.toDown++;
      return;
    }
    if (this.options.lossRate > 0 && this.rng() < this.options.lossRate) {
      this.counters.lost++;
      return;
    }
    const oneWay = (this.options.baseRttMs + Math.hypot(src.x - dst.x, src.y - dst.y)) / 2;
    const delay = oneWay * (1 + this.options.jitterFraction * this.rng());
    this.clock.setTimeout(() => {
      if (dst.down || !dst.handler) return;
      this.counters.delivered++;
      dst.handler(from, packet);
    }, delay);
  }
}
