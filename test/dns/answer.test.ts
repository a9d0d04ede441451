// The sans-I/O answer logic through DnsHandler: no sockets, a manual clock, a seeded RNG.
import { describe, expect, it } from 'vitest';
import { DNS_DEFAULTS } from '../../seed-node/dns/defaults';
import { LIVENESS_DEFAULTS } from '../../seed-node/dns/liveness';
import { addresses, makeCore, seed } from './core';

const six = () => [1, 2, 3, 4, 5, 6].map((i) => seed(i));

describe('answers for origin names', () => {
  it('2–4 live proxies, authoritative, TTL 30 s, id and question echoed', () => {
    const { ask } = makeCore({ seeds: six() });
    const r = ask('example.com.reef.localhost')!;
    expect(r.packet.rcode).toBe(0);
    expect(r.packet.aa).toBe(true);
    expect(r.packet.id).toBe(r.query.readUInt16BE(0));
    expect(r.packet.decoded.questions).toEqual([{ name: 'example.com.reef.localhost', type: 'A', class: 'IN' }]);
    const a = r.packet.decoded.answers!;
    expect(a.length).toBe(4);
    for (const rr of a) expect(rr).toMatchObject({ type: 'A', ttl: 30, name: 'example.com.reef.localhost' });
  });

  it('keeps the resolver\'s 0x20 case mix in the question and the (compressed) owner names', () => {
    const { ask } = makeCore({ seeds: six() });
    const r = ask('ExAmPle.CoM.rEEf.LocalHost')!;
    expect(r.packet.decoded.questions![0].name).toBe('ExAmPle.CoM.rEEf.LocalHost');
    expect(r.packet.decoded.answers![0].name).toBe('ExAmPle.CoM.rEEf.LocalHost');
    // 4 A records with a 2-byte pointer each: 12 + question + 4 × 16, plus OPT.
    expect(r.bytes.length).toBe(12 + (r.query.length - 12 - 11) + 4 * 16 + 11);
  });

  it('spreads load: every proxy of an equally near set is answered, in varying order', () => {
    const { ask } = makeCore({ seeds: six() });
    const counts = new Map<string, number>();
    const firsts = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const a = addresses(ask(`o${i}.reef.localhost`)!.packet);
      firsts.add(a[0]);
      for (const x of a) counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // Each proxy is in 4 of 6 answers on average: 2000 of 3000.
    for (const n of counts.values()) expect(n).toBeGreaterThan(1700), expect(n).toBeLessThan(2300);
    expect(firsts.size).toBe(6);
  });

  it('answers the nearest proxies: those within 2 × best RTT + 20 ms, extended to the minimum of 2', () => {
    const seeds = six();
    const { ask } = makeCore({ seeds, rtts: { seed2: 1, seed3: 5, seed4: 150, seed5: 160, seed6: 170 } });
    for (let i = 0; i < 200; i++) expect(addresses(ask(`o${i}.reef.localhost`)!.packet).sort()).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    const far = makeCore({ seeds: seeds.slice(0, 1).concat(seeds.slice(3)), rtts: { seed4: 150, seed5: 400, seed6: 500 } });
    for (let i = 0; i < 50; i++) expect(addresses(far.ask(`o${i}.reef.localhost`)!.packet).sort()).toEqual(['192.0.2.1', '192.0.2.4']);
  });

  it('with default liveness settings a seed that goes silent is out of every answer within 15 s', () => {
    const seeds = six();
    const { ask, clock, tracker } = makeCore({ seeds });
    const victim = '192.0.2.6';
    const seenAt = (): boolean => {
      for (let i = 0; i < 60; i++) if (addresses(ask(`v${i}.reef.localhost`)!.packet).includes(victim)) return true;
      return false;
    };
    let lastSeen = 0;
    for (let t = 0; t <= 20_000; t += LIVENESS_DEFAULTS.probeEveryMs / 5) {
      // Every other seed keeps answering probes; seed6 stopped answering at t = 0.
      if (t % LIVENESS_DEFAULTS.probeEveryMs === 0) for (const s of seeds.slice(1, 5)) tracker.heard(s.id);
      if (seenAt()) lastSeen = t;
      clock.advance(LIVENESS_DEFAULTS.probeEveryMs / 5);
    }
    expect(lastSeen).toBeGreaterThan(0);
    expect(lastSeen).toBeLessThanOrEqual(15_000);
    // A failed probe pair (connection refused) takes it out at once, before the silence timeout.
    tracker.heard('seed6');
    clock.advance(DNS_DEFAULTS.directoryCacheMs);
    expect(seenAt()).toBe(true);
    tracker.failed('seed6');
    tracker.failed('seed6');
    // The server reuses directory answers for directoryCacheMs; after that the seed is gone.
    clock.advance(DNS_DEFAULTS.directoryCacheMs);
    expect(seenAt()).toBe(false);
  });

  it('AAAA from seeds with IPv6, NODATA (with SOA) when none has one', () => {
    const seeds = [seed(1, { ipv6: '2001:db8::1' }), seed(2, { ipv6: '2001:db8::ffff:2' }), seed(3)];
    const { ask } = makeCore({ seeds });
    expect(addresses(ask('example.com.reef.localhost', 'AAAA')!.packet, 'AAAA').sort()).toEqual(['2001:db8::1', '2001:db8::ffff:2']);
    const v4only = makeCore({ seeds: [seed(1), seed(2)] });
    const r = v4only.ask('example.com.reef.localhost', 'AAAA')!.packet;
    expect(r.rcode).toBe(0);
    expect(r.decoded.answers).toEqual([]);
    expect(r.decoded.authorities![0]).toMatchObject({ type: 'SOA', name: 'reef.localhost' });
  });

  it('SERVFAIL (not a cacheable NODATA) when no proxy is live', () => {
    // This seed runs only a nameserver (httpPort 0); its one proxy peer refuses probes.
    const core = makeCore({ self: seed(1, { httpPort: 0 }), seeds: [seed(2)] });
    expect(addresses(core.ask('example.com.reef.localhost')!.packet)).toEqual(['192.0.2.2']);
    core.tracker.failed('seed2');
    core.tracker.failed('seed2');
    core.clock.advance(DNS_DEFAULTS.directoryCacheMs);
    const r = core.ask('example.com.reef.localhost')!.packet;
    expect([r.rcode, r.aa]).toEqual([2, false]);
  });
});

describe('zone structure', () => {
  it('REFUSED (not authoritative) outside the zone, NXDOMAIN for invalid names, NODATA for other types', () => {
    const { ask } = makeCore({ seeds: six() });
    const out = ask('example.com')!.packet;
    expect([out.rcode, out.aa]).toEqual([5, false]);
    for (const bad of ['-x.reef.localhost', 'a.99999.reef.localhost', 'x.l0.reef.localhost', 'x.l3-a.l0.reef.localhost', 'ns-nope.reef.localhost']) {
      const r = ask(bad)!.packet;
      expect([bad, r.rcode, r.aa]).toEqual([bad, 3, true]);
      expect(r.decoded.authorities![0]).toMatchObject({ type: 'SOA', name: 'reef.localhost', ttl: 30 });
    }
    const mx = ask('example.com.reef.localhost', 'MX')!.packet;
    expect([mx.rcode, mx.aa, mx.decoded.answers!.length, mx.decoded.authorities![0].type]).toEqual([0, true, 0, 'SOA']);
  });

  it('apex SOA and NS (live nameservers only) with glue', () => {
    const seeds = six();
    const { ask, tracker } = makeCore({ seeds });
    const soa = ask('reef.localhost', 'SOA')!.packet.decoded.answers![0];
    expect(soa).toMatchObject({ type: 'SOA', data: { mname: 'ns-seed1.reef.localhost', rname: 'hostmaster.reef.localhost', serial: 2024, minimum: 30 } });
    tracker.failed('seed2');
    tracker.failed('seed2');
    const ns = ask('reef.localhost', 'NS')!.packet.decoded;
    const hosts = ns.answers!.map((a) => (a as { data: unknown }).data);
    expect(hosts).toHaveLength(4);
    expect(hosts).not.toContain('ns-seed2.reef.localhost');
    for (const h of hosts) expect(ns.additionals!.some((g) => g.name === h && g.type === 'A')).toBe(true);
    expect(ask('ns-seed3.reef.localhost')!.packet.decoded.answers![0]).toMatchObject({ type: 'A', data: '192.0.2.3' });
    expect(ask('ns-seed2.reef.localhost')!.packet.rcode).toBe(3);
  });

  it('ns-<seed> works with a directory that has only self() and liveSeeds() (no clusters: plain L0 answers)', () => {
    const { ask, tracker, clock } = makeCore({ seeds: six(), minimalDirectory: true });
    expect(ask('ns-seed4.reef.localhost')!.packet.decoded.answers![0]).toMatchObject({ type: 'A', data: '192.0.2.4' });
    expect(ask('ns-seed1.reef.localhost')!.packet.decoded.answers![0]).toMatchObject({ type: 'A', data: '192.0.2.1' });
    tracker.failed('seed4');
    tracker.failed('seed4');
    clock.advance(DNS_DEFAULTS.directoryCacheMs);
    expect(ask('ns-seed4.reef.localhost')!.packet.rcode).toBe(3);
    expect(ask('example.com.reef.localhost')!.packet.decoded.answers![0].type).toBe('A');
  });

  it('Coral-style: a resolver in a known cluster gets a CNAME into its cluster zone, that cluster\'s proxies, and its NS', () => {
    const seeds = [seed(1, { clusters: { l1: 'EU', l2: 'Paris-1' } }), seed(2, { clusters: { l1: 'EU', l2: 'Paris-1' } }), seed(3, { clusters: { l1: 'EU' } }), seed(4, { clusters: { l1: 'US' } }), seed(5, { clusters: { l1: 'US' } })];
    const { ask, tracker, clock } = makeCore({ seeds, prefixHints: [{ cidr: '198.51.100.0/24', clusters: { l1: 'EU', l2: 'Paris-1' } }] });
    const r = ask('example.com.8080.reef.localhost')!.packet.decoded;
    expect(r.answers![0]).toMatchObject({ type: 'CNAME', ttl: 300, data: 'example.com.8080.l2-paris1.l1-eu.l0.reef.localhost' });
    expect(r.answers!.slice(1).map((a) => (a as { data: unknown }).data).sort()).toEqual(['192.0.2.1', '192.0.2.2']);
    // Only the cluster's own nameservers: the resolver sticks to them.
    expect(r.authorities!.map((a) => [a.name, (a as { data: unknown }).data])).toEqual([
      ['l2-paris1.l1-eu.l0.reef.localhost', expect.stringMatching(/^ns-seed[12]\.reef\.localhost$/)],
      ['l2-paris1.l1-eu.l0.reef.localhost', expect.stringMatching(/^ns-seed[12]\.reef\.localhost$/)],
    ]);
    // Another resolver (no hint) asking inside the US cluster zone gets US proxies.
    // Other types behind the CNAME: NODATA with the target zone's SOA.
    const mx = ask('example.com.8080.reef.localhost', 'MX')!.packet.decoded;
    expect(mx.answers!.map((a) => a.type)).toEqual(['CNAME']);
    expect(mx.authorities![0]).toMatchObject({ type: 'SOA', name: 'l2-paris1.l1-eu.l0.reef.localhost' });
    const us = ask('example.com.l1-us.l0.reef.localhost', 'A', { ip: '203.0.113.9' })!.packet;
    expect(addresses(us).sort()).toEqual(['192.0.2.4', '192.0.2.5']);
    const apex = ask('l1-us.l0.reef.localhost', 'NS')!.packet.decoded.answers!.map((a) => (a as { data: unknown }).data);
    expect(apex.sort()).toEqual(['ns-seed4.reef.localhost', 'ns-seed5.reef.localhost']);
    // An L1 zone lists all of its cluster; a cluster nobody is in gets the 4 nearest nameservers.
    const eu = ask('l1-eu.l0.reef.localhost', 'NS', { ip: '203.0.113.9' })!.packet.decoded.answers!.map((a) => (a as { data: unknown }).data);
    expect(eu.sort()).toEqual(['ns-seed1.reef.localhost', 'ns-seed2.reef.localhost', 'ns-seed3.reef.localhost']);
    expect(ask('l1-asia.l0.reef.localhost', 'NS', { ip: '203.0.113.9' })!.packet.decoded.answers).toHaveLength(4);
    // A cluster down to one live nameserver is padded to two with the nearest other.
    tracker.failed('seed5');
    tracker.failed('seed5');
    clock.advance(DNS_DEFAULTS.directoryCacheMs);
    const usNs = ask('l1-us.l0.reef.localhost', 'NS', { ip: '203.0.113.9' })!.packet.decoded.answers!.map((a) => (a as { data: unknown }).data);
    expect(usNs).toHaveLength(2);
    expect(usNs[0]).toBe('ns-seed4.reef.localhost');
  });

  it('EDNS: our OPT advertises 1232; an unknown version gets BADVERS (extended rcode in OPT)', () => {
    const { ask } = makeCore({ seeds: six() });
    const ok = ask('example.com.reef.localhost')!.packet.decoded;
    expect(ok.additionals!.find((a) => a.type === 'OPT')).toMatchObject({ udpPayloadSize: 1232 });
    const bad = ask('example.com.reef.localhost', 'A', { edns: { version: 1 } })!.packet;
    const opt = bad.decoded.additionals!.find((a) => a.type === 'OPT') as unknown as { extendedRcode: number };
    expect(bad.rcode).toBe(0);
    expect(opt.extendedRcode).toBe(1);
    expect(bad.decoded.answers).toEqual([]);
  });
});

describe('size and abuse limits', () => {
  it('UDP: an unverified source gets at most 3× its query size; a source seen on TCP gets the full reply', () => {
    const seeds = [1, 2, 3, 4].map((i) => seed(i, { clusters: { l1: 'eu' } }));
    const { ask } = makeCore({ seeds, prefixHints: [{ cidr: '0.0.0.0/0', clusters: { l1: 'eu' } }] });
    const udp = ask('example.com.reef.localhost', 'A', { transport: 'udp', ip: '203.0.113.5' })!;
    expect(udp.bytes.length).toBeLessThanOrEqual(3 * udp.query.length);
    expect(udp.packet.decoded.authorities).toEqual([]);
    expect(addresses(udp.packet)).toHaveLength(4);
    const tiny = ask('e.reef.localhost', 'A', { transport: 'udp', ip: '203.0.113.5', edns: false })!;
    expect(tiny.bytes.length).toBeLessThanOrEqual(3 * tiny.query.length);
    ask('warmup.reef.localhost', 'A', { transport: 'tcp', ip: '203.0.113.5' });
    const full = ask('example.com.reef.localhost', 'A', { transport: 'udp', ip: '203.0.113.5' })!;
    expect(full.packet.decoded.authorities!.length).toBe(4);
    expect(full.bytes.length).toBeGreaterThan(3 * full.query.length);
  });

  it('sets TC=1 with no records when even the minimal reply does not fit', () => {
    const { ask, handler } = makeCore({ seeds: six(), limits: { unverifiedAmplificationFactor: 1 } });
    const r = ask('example.com.reef.localhost', 'A', { transport: 'udp' })!;
    expect(r.packet.tc).toBe(true);
    expect(r.packet.decoded.answers).toEqual([]);
    expect(r.bytes.length).toBeLessThanOrEqual(r.query.length);
    expect(handler.stats.truncated).toBe(1);
  });

  it('rate-limits UDP per source: burst, then drops with every 2nd slipped as TC=1; refills over time; others unaffected', () => {
    const { ask, clock, handler } = makeCore({ seeds: six(), limits: { rrlBurst: 10, rrlResponsesPerSec: 5 } });
    const outcomes = Array.from({ length: 20 }, (_, i) => ask(`r${i}.reef.localhost`, 'A', { transport: 'udp', ip: '203.0.113.66' }));
    expect(outcomes.slice(0, 10).every((o) => o && !o.packet.tc)).toBe(true);
    const rest = outcomes.slice(10);
    expect(rest.filter((o) => o === null)).toHaveLength(5);
    expect(rest.filter((o) => o?.packet.tc)).toHaveLength(5);
    expect(handler.stats.rateLimited).toBe(5);
    expect(handler.stats.slipped).toBe(5);
    expect(ask('other.reef.localhost', 'A', { transport: 'udp', ip: '203.0.113.67' })?.packet.tc).toBe(false);
    clock.advance(1_000);
    expect(Array.from({ length: 5 }, () => ask('again.reef.localhost', 'A', { transport: 'udp', ip: '203.0.113.66' })).every((o) => o && !o.packet.tc)).toBe(true);
    expect(ask('again.reef.localhost', 'A', { transport: 'udp', ip: '203.0.113.66' })).toBeNull();
  });
});
