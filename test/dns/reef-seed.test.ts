// The DNS server as hosted by a real `reef seed --dns-port 0 --zone cdn.test` process, queried with dig:
// the same protocol behaviour as in-process, on the port the seed reports, with counters on /metrics.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idLabel } from '../../seed-node/dns/name';
import { startSeedProcess, type SeedProcess } from '../support/seed-process';
import { dig } from './helpers';

describe('reef seed hosting the DNS server', () => {
  let root: string;
  let seed: SeedProcess;
  let port: number;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'reef-dns-seed-'));
    seed = await startSeedProcess({ dataDir: join(root, 's'), extraArgs: ['--zone', 'cdn.test'] });
    port = Number(seed.dns.slice(seed.dns.lastIndexOf(':') + 1));
  }, 40_000);

  afterAll(async () => {
    await seed?.stop('SIGTERM');
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('reports a real port for --dns-port 0 and answers origin names with itself, authoritatively, over UDP and TCP', async () => {
    expect(port).toBeGreaterThan(0);
    for (const extra of [[], ['+tcp']]) {
      const r = await dig(port, 'localhost.8000.cdn.test', 'A', extra);
      expect(r.status).toBe('NOERROR');
      expect(r.flags).toContain('aa');
      expect(r.answers.filter((a) => a.type === 'A').map((a) => a.data)).toEqual(['127.0.0.1']);
      expect(r.transport).toBe(extra.length ? 'TCP' : 'UDP');
    }
  });

  it('serves its zone apex (SOA naming itself, NS with glue) and refuses other zones', async () => {
    const me = `ns-${idLabel(seed.nodeId)}.cdn.test.`;
    const soa = await dig(port, 'cdn.test', 'SOA');
    expect(soa.answers[0].data.split(' ')[0]).toBe(me);
    const ns = await dig(port, 'cdn.test', 'NS', ['+tcp']);
    expect(ns.answers.map((a) => a.data)).toEqual([me]);
    expect(ns.additional.find((a) => a.name === me)?.data).toBe('127.0.0.1');
    expect((await dig(port, 'reef.localhost', 'SOA')).status).toBe('REFUSED');
    expect((await dig(port, 'x.99999.cdn.test', 'A')).status).toBe('NXDOMAIN');
    // NODATA — behind the CNAME into this seed's cluster zone when the seed knows the resolver's cluster.
    const mx = await dig(port, 'example.com.cdn.test', 'MX');
    expect(mx.status).toBe('NOERROR');
    expect(mx.answers.every((a) => a.type === 'CNAME')).toBe(true);
    expect(mx.authority[0]?.type).toBe('SOA');
  });

  it('exposes the DNS counters on the seed\'s Prometheus endpoint', async () => {
    const text = await (await fetch(`${seed.http}/.well-known/reef/metrics`)).text();
    const received = Number(/^reef_dns_received_total (\d+)/m.exec(text)?.[1]);
    expect(received).toBeGreaterThanOrEqual(7);
    expect(text).toMatch(/^reef_dns_rcodes_total\{kind="REFUSED"\} [1-9]/m);
  });
});
