// In-process fixtures for the sans-I/O tests: a DnsHandler over a StaticSeedDirectory on a manual clock.
import dnsPacket from 'dns-packet';
import { ManualClock } from '../../shared/clock';
import { DNS_DEFAULTS, type DnsLimits } from '../../seed-node/dns/defaults';
import type { SeedDirectory, SeedInfo } from '../../seed-node/dns/directory';
import { DnsHandler } from '../../seed-node/dns/handler';
import { LivenessTracker } from '../../seed-node/dns/liveness';
import { silentLogger } from '../../seed-node/dns/log';
import { StaticSeedDirectory, type PrefixHint } from '../../seed-node/dns/static-directory';

export const ZONE = 'reef.localhost';

import { seededRng } from '../../shared/index/sim/rng';

export const rng = seededRng;

export function seed(i: number, extra: Partial<SeedInfo> = {}): SeedInfo {
  return { id: `seed${i}`, ipv4: `192.0.2.${i}`, httpPort: 80, dnsPort: 53, lastSeenMs: 0, clusters: {}, ...extra };
}

export function makeCore(opts: { self?: SeedInfo; seeds: SeedInfo[]; rtts?: Record<string, number>; prefixHints?: PrefixHint[]; limits?: Partial<DnsLimits>; minimalDirectory?: boolean }) {
  const clock = new ManualClock();
  const tracker = new LivenessTracker(clock);
  const self = opts.self ?? opts.seeds[0];
  for (const s of opts.seeds) tracker.heard(s.id, opts.rtts?.[s.id]);
  const directory = new StaticSeedDirectory({ self, seeds: opts.seeds, liveness: tracker, prefixHints: opts.prefixHints, clock });
  // minimalDirectory: only the required members, as a seed's own directory might implement them.
  const served: SeedDirectory = opts.minimalDirectory ? { self: () => directory.self(), liveSeeds: (q) => directory.liveSeeds(q) } : directory;
  const handler = new DnsHandler({ zone: ZONE, directory: served, limits: { ...DNS_DEFAULTS, ...opts.limits }, rng: rng(7), serial: 2024, clock, log: silentLogger });
  let nextId = 1;
  const ask = (name: string, type: dnsPacket.RecordType = 'A', o: { ip?: string; transport?: 'udp' | 'tcp'; edns?: { udpPayloadSize?: number; version?: number } | false } = {}) => {
    const q = encodeQuery(name, type, nextId++, o.edns === undefined ? {} : o.edns);
    const out = handler.handle(q, { ip: o.ip ?? '198.51.100.7', transport: o.transport ?? 'tcp' });
    return out ? { bytes: out, query: q, packet: decodeReply(out) } : null;
  };
  return { clock, tracker, directory, handler, ask };
}

export function encodeQuery(name: string, type: dnsPacket.RecordType, id: number, edns: { udpPayloadSize?: number; version?: number } | false = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: edns.udpPayloadSize ?? 1232, ednsVersion: edns.version ?? 0, flags: 0, options: [] } as unknown as dnsPacket.Answer] : [],
  });
}

export interface Reply {
  id: number;
  rcode: number;
  aa: boolean;
  tc: boolean;
  decoded: dnsPacket.DecodedPacket;
}

/** Decodes a reply with dns-packet (an independent codec) and reads the header bits ourselves. */
export function decodeReply(b: Buffer): Reply {
  const flags = b.readUInt16BE(2);
  return { id: b.readUInt16BE(0), rcode: flags & 0xf, aa: (flags & 0x400) !== 0, tc: (flags & 0x200) !== 0, decoded: dnsPacket.decode(b) };
}

export const addresses = (r: Reply | undefined, type = 'A') => (r?.decoded.answers ?? []).filter((a) => a.type === type).map((a) => (a as { data: string }).data);
