// Shared by the DNS tests: a small testnet of real listening fake seeds on distinct loopback addresses
// (127.0.0.11, .12, …), liveness fed by real TCP probes, and `dig` as the resolver client.
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import { systemClock } from '../../shared/clock';
import type { SeedClusters, SeedInfo } from '../../seed-node/dns/directory';
import { LivenessTracker, type LivenessOptions } from '../../seed-node/dns/liveness';
import { startLivenessProber, type LivenessProber } from '../../seed-node/dns/prober';
import { startDnsServer, type DnsServer } from '../../seed-node/dns/server';
import { StaticSeedDirectory, type PrefixHint } from '../../seed-node/dns/static-directory';
import type { DnsLimits } from '../../seed-node/dns/defaults';

const run = promisify(execFile);

export interface DigResult {
  status: string;
  flags: string[];
  answers: Array<{ name: string; ttl: number; type: string; data: string }>;
  authority: Array<{ name: string; ttl: number; type: string; data: string }>;
  additional: Array<{ name: string; ttl: number; type: string; data: string }>;
  transport: 'UDP' | 'TCP' | '';
  raw: string;
}

/** Runs the real `dig` against 127.0.0.1:port and parses its sections. */
export async function dig(port: number, name: string, type = 'A', extra: string[] = []): Promise<DigResult> {
  const { stdout } = await run('dig', [`@127.0.0.1`, '-p', String(port), name, type, '+tries=1', '+time=3', ...extra], { timeout: 15_000 });
  const section = (title: string) => {
    const m = new RegExp(`;; ${title} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(stdout);
    if (!m) return [];
    return m[1]
      .split('\n')
      .filter((l) => l && !l.startsWith(';'))
      .map((l) => {
        const [n, ttl, , t, ...data] = l.split(/\s+/);
        return { name: n, ttl: Number(ttl), type: t, data: data.join(' ') };
      });
  };
  return {
    status: /status: (\w+)/.exec(stdout)?.[1] ?? 'NO-REPLY',
    flags: (/;; flags: ([^;]*);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/),
    answers: section('ANSWER'),
    authority: section('AUTHORITY'),
    additional: section('ADDITIONAL'),
    transport: (/\((UDP|TCP)\)/.exec(stdout)?.[1] as 'UDP' | 'TCP') ?? '',
    raw: stdout,
  };
}

export interface FakeSeed {
  info: SeedInfo;
  /** Stops listening (the seed "dies"); its port stays reserved for nothing. */
  kill(): Promise<void>;
}

/** A real HTTP listener standing in for a seed's proxy, at 127.0.0.<10+i>. */
export async function startFakeSeed(i: number, clusters: SeedClusters): Promise<FakeSeed> {
  const server = http.createServer((_req, res) => res.end('reef fake seed\n'));
  const ipv4 = `127.0.0.${10 + i}`;
  await new Promise<void>((r) => server.listen(0, ipv4, () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    info: { id: `seed${i}`, ipv4, httpPort: port, dnsPort: 53, lastSeenMs: 0, clusters },
    kill: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface DnsTestnet {
  seeds: FakeSeed[];
  tracker: LivenessTracker;
  directory: StaticSeedDirectory;
  server: DnsServer;
  port: number;
  close(): Promise<void>;
}

/** n fake seeds (the first one "hosts" the DNS server), probed for liveness, plus the DNS server. */
export async function createDnsTestnet(opts: { clusters: SeedClusters[]; prefixHints?: PrefixHint[]; liveness?: Partial<LivenessOptions>; limits?: Partial<DnsLimits>; zone?: string }): Promise<DnsTestnet> {
  const seeds = await Promise.all(opts.clusters.map((c, i) => startFakeSeed(i + 1, c)));
  const tracker = new LivenessTracker(systemClock, opts.liveness);
  const infos = seeds.map((s) => s.info);
  const prober: LivenessProber = startLivenessProber({ seeds: () => infos.slice(1), tracker });
  await prober.probeAll();
  const directory = new StaticSeedDirectory({ self: infos[0], seeds: infos, liveness: tracker, prefixHints: opts.prefixHints });
  const server = await startDnsServer({ host: '127.0.0.1', port: 0, zone: opts.zone ?? 'reef.localhost', directory, limits: opts.limits });
  return {
    seeds,
    tracker,
    directory,
    server,
    port: server.udpPort,
    close: async () => {
      prober.stop();
      await server.close();
      await Promise.all(seeds.map((s) => s.kill().catch(() => {})));
    },
  };
}
