// The DNS server over real sockets, queried by the real `dig`, with real listening fake seeds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDnsTestnet, dig, type DnsTestnet } from './helpers';

describe('Reef DNS over real sockets (dig)', () => {
  let net: DnsTestnet;
  beforeAll(async () => {
    net = await createDnsTestnet({
      // seeds 1–3 in cluster east (1–2 also in L2 nyc), seeds 4–5 in west.
      clusters: [{ l1: 'east', l2: 'nyc' }, { l1: 'east', l2: 'nyc' }, { l1: 'east' }, { l1: 'west' }, { l1: 'west' }],
      liveness: { deadAfterMs: 1_500 },
    });
  });
  afterAll(async () => net?.close());

  it('answers A for an origin name with 2–4 live proxy addresses, authoritative, TTL ~30 s', async () => {
    const r = await dig(net.port, 'example.com.reef.localhost', 'A');
    expect(r.status).toBe('NOERROR');
    expect(r.flags).toContain('aa');
    const a = r.answers.filter((x) => x.type === 'A');
    expect(a.length).toBeGreaterThanOrEqual(2);
    expect(a.length).toBeLessThanOrEqual(4);
    for (const x of a) {
      expect(net.seeds.map((s) => s.info.ipv4)).toContain(x.data);
      expect(x.ttl).toBe(30);
    }
  });

  it('accepts a port label and answers over TCP too', async () => {
    const r = await dig(net.port, 'localhost.8000.reef.localhost', 'A', ['+tcp']);
    expect(r.transport).toBe('TCP');
    expect(r.status).toBe('NOERROR');
    expect(r.answers.filter((x) => x.type === 'A').length).toBeGreaterThanOrEqual(2);
  });

  it('REFUSED outside the zone, NXDOMAIN for a malformed name, NODATA for other types — each with the right flags', async () => {
    const out = await dig(net.port, 'example.com', 'A');
    expect(out.status).toBe('REFUSED');
    expect(out.flags).not.toContain('aa');
    const nx = await dig(net.port, 'bad_label.reef.localhost', 'A');
    expect(nx.status).toBe('NXDOMAIN');
    expect(nx.flags).toContain('aa');
    expect(nx.authority[0]).toMatchObject({ name: 'reef.localhost.', type: 'SOA' });
    const nodata = await dig(net.port, 'example.com.reef.localhost', 'MX');
    expect(nodata.status).toBe('NOERROR');
    expect(nodata.answers).toEqual([]);
    expect(nodata.authority[0].type).toBe('SOA');
    const unknownNs = await dig(net.port, 'ns-nosuchseed.reef.localhost', 'A');
    expect(unknownNs.status).toBe('NXDOMAIN');
  });

  it('serves SOA and NS for the apex, with glue for live nameservers (over TCP, where size is no issue)', async () => {
    const soa = await dig(net.port, 'reef.localhost', 'SOA');
    expect(soa.answers[0].type).toBe('SOA');
    expect(soa.answers[0].data).toMatch(/^ns-seed1\.reef\.localhost\. hostmaster\.reef\.localhost\. \d+ /);
    const ns = await dig(net.port, 'reef.localhost', 'NS', ['+tcp']);
    const hosts = ns.answers.map((x) => x.data);
    expect(hosts.length).toBeGreaterThanOrEqual(2);
    for (const h of hosts) {
      expect(h).toMatch(/^ns-seed\d\.reef\.localhost\.$/);
      const glue = ns.additional.find((g) => g.name === h && g.type === 'A');
      expect(glue?.data).toMatch(/^127\.0\.0\.1\d$/);
      const direct = await dig(net.port, h, 'A');
      expect(direct.answers[0].data).toBe(glue?.data);
    }
  });

  it('EDNS(0): answers with OPT, and BADVERS for an unknown EDNS version', async () => {
    const r = await dig(net.port, 'example.com.reef.localhost', 'A', ['+edns=0']);
    expect(r.raw).toMatch(/EDNS: version: 0, flags:.*udp: 1232/);
    const bad = await dig(net.port, 'example.com.reef.localhost', 'A', ['+edns=1', '+noednsneg']);
    expect(bad.status).toBe('BADVERS');
  });

  it('a seed that stops listening drops out of every answer (probe-fed liveness)', async () => {
    const victim = net.seeds[4];
    const prober = await import('../../seed-node/dns/prober');
    const p = prober.startLivenessProber({ seeds: () => net.seeds.slice(1).map((s) => s.info), tracker: net.tracker, everyMs: 250 });
    try {
      const seen = new Set<string>();
      for (let i = 0; i < 30 && !seen.has(victim.info.ipv4!); i++) for (const a of (await dig(net.port, `o${i}.reef.localhost`, 'A')).answers) seen.add(a.data);
      expect(seen.has(victim.info.ipv4!)).toBe(true);
      await victim.kill();
      const t0 = Date.now();
      let lastSeenAt = t0;
      while (Date.now() - t0 < 2_500) {
        const r = await dig(net.port, `x${Date.now()}.reef.localhost`, 'A');
        if (r.answers.some((a) => a.data === victim.info.ipv4)) lastSeenAt = Date.now();
        await new Promise((r) => setTimeout(r, 50));
      }
      // deadAfterMs is 1.5 s here; a refused connect marks it dead after two failed probes anyway.
      expect(lastSeenAt - t0).toBeLessThan(1_600);
      const glue = await dig(net.port, 'ns-seed5.reef.localhost', 'A');
      expect(glue.status).toBe('NXDOMAIN');
    } finally {
      p.stop();
    }
  });
});

describe('Coral-style cluster sub-delegation (dig)', () => {
  let net: DnsTestnet;
  beforeAll(async () => {
    net = await createDnsTestnet({
      clusters: [{ l1: 'east', l2: 'nyc' }, { l1: 'east', l2: 'nyc' }, { l1: 'east' }, { l1: 'west' }, { l1: 'west' }],
      // The querying resolver (127.0.0.1) is known to sit in east/nyc.
      prefixHints: [{ cidr: '127.0.0.1/32', clusters: { l1: 'east', l2: 'nyc' } }],
    });
  });
  afterAll(async () => net?.close());

  it('sends the resolver into its cluster zone with a CNAME, and answers there with that cluster\'s proxies', async () => {
    const r = await dig(net.port, 'example.com.reef.localhost', 'A', ['+tcp']);
    expect(r.answers[0]).toMatchObject({ type: 'CNAME', data: 'example.com.l2-nyc.l1-east.l0.reef.localhost.' });
    const a = r.answers.filter((x) => x.type === 'A').map((x) => x.data);
    // nyc has two seeds; the near-enough set is filled up to minAnswers with the rest of east first.
    expect(a.slice().sort()).toEqual(expect.arrayContaining(['127.0.0.11', '127.0.0.12']));
    // The authority section delegates the cluster zone to the cluster's own nameservers, with glue.
    const ns = r.authority.filter((x) => x.type === 'NS');
    expect(ns.length).toBeGreaterThanOrEqual(2);
    expect(ns.every((x) => x.name === 'l2-nyc.l1-east.l0.reef.localhost.')).toBe(true);
    expect(ns.map((x) => x.data).sort()).toEqual(['ns-seed1.reef.localhost.', 'ns-seed2.reef.localhost.']);
  });

  it('serves the cluster zone itself: SOA and NS at its apex, NODATA below l0', async () => {
    const soa = await dig(net.port, 'l1-west.l0.reef.localhost', 'SOA');
    expect(soa.answers[0]).toMatchObject({ name: 'l1-west.l0.reef.localhost.', type: 'SOA' });
    const ns = await dig(net.port, 'l1-west.l0.reef.localhost', 'NS', ['+tcp']);
    expect(ns.answers.map((x) => x.data).sort()).toEqual(['ns-seed4.reef.localhost.', 'ns-seed5.reef.localhost.']);
    const l0 = await dig(net.port, 'l0.reef.localhost', 'A');
    expect(l0.status).toBe('NOERROR');
    expect(l0.answers).toEqual([]);
    const west = await dig(net.port, 'example.com.l1-west.l0.reef.localhost', 'A');
    expect(west.answers.map((x) => x.data).slice(0, 2).sort()).toEqual(['127.0.0.14', '127.0.0.15']);
  });

  it('a UDP reply too big for an unverified source is truncated and dig retries over TCP', async () => {
    // dig without EDNS: 512-byte limit, and at most 3× the query size for a source never seen on TCP.
    const fresh = await createDnsTestnet({ clusters: [{ l1: 'east' }, { l1: 'east' }, { l1: 'east' }, { l1: 'east' }], prefixHints: [{ cidr: '127.0.0.0/8', clusters: { l1: 'east' } }], limits: { unverifiedAmplificationFactor: 1 } });
    try {
      const r = await dig(fresh.port, 'example.com.reef.localhost', 'A', ['+noedns']);
      expect(r.raw).toMatch(/Truncated, retrying in TCP mode/);
      expect(r.transport).toBe('TCP');
      expect(r.answers.filter((x) => x.type === 'A').length).toBeGreaterThanOrEqual(2);
      expect(fresh.server.stats().truncated).toBeGreaterThanOrEqual(1);
    } finally {
      await fresh.close();
    }
  });
});
