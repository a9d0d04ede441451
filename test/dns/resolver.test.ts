// End to end through a real recursive resolver (unbound): five seeds, each running the DNS server on
// 127.0.53.<i>:53 (delegations carry no port) and a real HTTP listener; unbound is stubbed to the apex
// at seed 1. Shows the Coral behaviour: after one lookup the resolver sends names of its cluster zone
// only to that cluster's nameservers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/clock';
import type { SeedClusters, SeedInfo } from '../../seed-node/dns/directory';
import { LivenessTracker } from '../../seed-node/dns/liveness';
import { startLivenessProber, type LivenessProber } from '../../seed-node/dns/prober';
import { startDnsServer, type DnsServer } from '../../seed-node/dns/server';
import { StaticSeedDirectory } from '../../seed-node/dns/static-directory';
import { dig } from './helpers';

const HAVE_UNBOUND = spawnSync('unbound', ['-V']).status === 0;
const IS_ROOT = process.getuid?.() === 0;
const CLUSTERS: SeedClusters[] = [{ l1: 'east', l2: 'nyc' }, { l1: 'east', l2: 'nyc' }, { l1: 'east' }, { l1: 'west' }, { l1: 'west' }];
const CLUSTER_ZONE = 'l2-nyc.l1-east.l0.reef.localhost';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe.skipIf(!HAVE_UNBOUND || !IS_ROOT)('through a real recursive resolver (unbound)', () => {
  const servers: DnsServer[] = [];
  const proxies: http.Server[] = [];
  let prober: LivenessProber;
  let unbound: ChildProcess;
  let port: number;
  let dir: string;

  beforeAll(async () => {
    const seeds: SeedInfo[] = [];
    for (let i = 1; i <= CLUSTERS.length; i++) {
      const ip = `127.0.53.${i}`;
      const proxy = http.createServer((_q, res) => res.end('seed\n'));
      await new Promise<void>((r) => proxy.listen(0, ip, () => r()));
      proxies.push(proxy);
      seeds.push({ id: `seed${i}`, ipv4: ip, httpPort: (proxy.address() as net.AddressInfo).port, dnsPort: 53, lastSeenMs: 0, clusters: CLUSTERS[i - 1] });
    }
    const tracker = new LivenessTracker(systemClock);
    prober = startLivenessProber({ seeds: () => seeds, tracker, everyMs: 1_000 });
    await prober.probeAll();
    // The resolver sends from 127.0.0.1, which every seed knows to sit in east/nyc.
    for (const self of seeds) {
      const directory = new StaticSeedDirectory({ self, seeds, liveness: tracker, prefixHints: [{ cidr: '127.0.0.1/32', clusters: { l1: 'east', l2: 'nyc' } }] });
      servers.push(await startDnsServer({ host: self.ipv4!, port: 53, zone: 'reef.localhost', directory }));
    }
    dir = mkdtempSync(join(tmpdir(), 'reef-unbound-'));
    port = await freePort();
    writeFileSync(
      join(dir, 'unbound.conf'),
      `server:
  interface: 127.0.0.1@${port}
  port: ${port}
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "${dir}"
  pidfile: "${dir}/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 0
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  outgoing-interface: 127.0.0.1
  do-not-query-localhost: no
  module-config: "iterator"
  local-zone: "localhost." nodefault
  num-threads: 1
remote-control:
  control-enable: no
stub-zone:
  name: "reef.localhost"
  stub-addr: 127.0.53.1@53
`,
    );
    unbound = spawn('unbound', ['-d', '-c', join(dir, 'unbound.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((r) => {
        const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
        s.on('error', () => r(false));
      });
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    unbound?.kill('SIGTERM');
    prober?.stop();
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all(proxies.map((p) => new Promise((r) => p.close(r))));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const received = () => servers.map((s) => s.stats().received);

  it('resolves an origin name to nearby live proxies via the cluster CNAME', async () => {
    const r = await dig(port, 'example.com.reef.localhost', 'A');
    expect(r.status).toBe('NOERROR');
    expect(r.answers[0]).toMatchObject({ type: 'CNAME', data: `example.com.${CLUSTER_ZONE}.` });
    expect(r.answers.filter((a) => a.type === 'A').map((a) => a.data).sort()).toEqual(['127.0.53.1', '127.0.53.2']);
  });

  it('then sends every name of its cluster zone to that cluster\'s nameservers only', async () => {
    const before = received();
    for (let i = 0; i < 20; i++) {
      const r = await dig(port, `o${i}.example.org.${CLUSTER_ZONE}`, 'A');
      expect(r.answers.filter((a) => a.type === 'A').length).toBe(2);
    }
    const delta = received().map((n, i) => n - before[i]);
    expect(delta[0] + delta[1]).toBeGreaterThanOrEqual(20);
    expect(delta.slice(2)).toEqual([0, 0, 0]);
  });

  it('a nameserver that dies is left out: the resolver still gets answers', async () => {
    await servers[1].close();
    await new Promise<void>((r) => proxies[1].close(() => r()));
    // Liveness drops seed2 within a few probe periods (connection refused twice).
    await new Promise((r) => setTimeout(r, 2_500));
    for (let i = 0; i < 5; i++) {
      const r = await dig(port, `d${i}.${CLUSTER_ZONE}`, 'A');
      expect(r.status).toBe('NOERROR');
      expect(r.answers.map((a) => a.data)).not.toContain('127.0.53.2');
      expect(r.answers.length).toBeGreaterThanOrEqual(2);
    }
  });
});
