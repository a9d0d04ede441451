// The I/O shell: one UDP socket and one TCP listener on the same port, both feeding DnsHandler.
import dgram from 'node:dgram';
import net from 'node:net';
import { systemClock, type Clock } from '../../shared/clock';
import { DNS_DEFAULTS, type DnsLimits } from './defaults';
import type { SeedDirectory } from './directory';
import { DnsError } from './errors';
import { DnsHandler } from './handler';
import { silentLogger, type Logger } from './log';
import { normalizeName } from './name';
import type { DnsStats } from './stats';
import { serveTcpConnection } from './tcp';

export interface DnsServerOptions {
  host: string;
  /** 0 = pick a port that is free for both UDP and TCP. */
  port: number;
  zone: string;
  directory: SeedDirectory;
  clock?: Clock;
  log?: Logger;
  limits?: Partial<DnsLimits>;
  /** Spreads load across answers; injectable for reproducible tests. */
  rng?: () => number;
}

export interface DnsServer {
  udpPort: number;
  tcpPort: number;
  stats(): DnsStats;
  close(): Promise<void>;
}

const ZONE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const zone = normalizeName(opts.zone);
  if (!ZONE.test(zone)) throw new DnsError('DNS_ERR_BAD_ZONE', `"${opts.zone}" is not a DNS zone name`);
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? silentLogger;
  const limits = { ...DNS_DEFAULTS, ...opts.limits };
  const handler = new DnsHandler({ zone, directory: opts.directory, limits, rng: opts.rng ?? Math.random, serial: Math.floor(clock.now() / 1000) >>> 0, clock, log });
  const { udp, tcp, port } = await bindBoth(opts.host, opts.port);

  udp.on('message', (msg, rinfo) => {
    // Source port 0 cannot be answered (dgram would throw): such a packet is spoofed garbage.
    if (rinfo.port === 0) return handler.countRejected('DNS_ERR_BAD_SOURCE', rinfo.address);
    const out = handler.handle(msg, { ip: rinfo.address, transport: 'udp' });
    // No callback: Node then completes small sends synchronously; failures surface as 'error' events.
    if (out) udp.send(out, rinfo.port, rinfo.address);
  });
  udp.on('error', (err) => log.warn({ err }, 'dns: udp socket error'));
  const conns = new Set<net.Socket>();
  tcp.maxConnections = limits.maxTcpConnections;
  tcp.on('drop', () => handler.stats.tcpRejected++);
  const perSource = new Map<string, number>();
  tcp.on('connection', (sock) => {
    // One source cannot hold all TCP slots (slow clients would starve the truncation fallback of others).
    const ip = sock.remoteAddress ?? '';
    const n = perSource.get(ip) ?? 0;
    if (n >= limits.maxTcpConnectionsPerSource) {
      handler.stats.tcpRejected++;
      sock.destroy();
      return;
    }
    perSource.set(ip, n + 1);
    handler.stats.tcpConnections++;
    conns.add(sock);
    sock.on('close', () => {
      conns.delete(sock);
      const left = (perSource.get(ip) ?? 1) - 1;
      if (left > 0) perSource.set(ip, left);
      else perSource.delete(ip);
    });
    serveTcpConnection(sock, handler, limits, log);
  });
  log.info({ host: opts.host, port, zone }, 'dns: serving');

  let closing: Promise<void> | undefined;
  const shutdown = async () => {
    for (const c of conns) c.destroy();
    await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
  };
  return {
    udpPort: port,
    tcpPort: port,
    stats: () => structuredClone(handler.stats),
    // Idempotent: a second close() returns the first one's promise.
    close: () => (closing ??= shutdown()),
  };
}

/** Binds UDP first, then TCP on the same number; with port 0, retries when TCP finds it taken. */
async function bindBoth(host: string, port: number): Promise<{ udp: dgram.Socket; tcp: net.Server; port: number }> {
  const type = net.isIPv6(host) ? 'udp6' : 'udp4';
  for (let attempt = 0; attempt < 20; attempt++) {
    // Replies go to IP literals: a synchronous lookup skips dgram's per-send dns.lookup round trip.
    const udp = dgram.createSocket({ type, recvBufferSize: 4 * 1024 * 1024, lookup: (addr, _o, cb) => cb(null, addr, type === 'udp6' ? 6 : 4) });
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, host, () => {
          udp.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      throw new DnsError('DNS_ERR_BIND', `udp ${host}:${port}: ${(err as Error).message}`);
    }
    const bound = udp.address().port;
    const tcp = net.createServer({ noDelay: true });
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ port: bound, host, exclusive: true }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
      return { udp, tcp, port: bound };
    } catch (err) {
      udp.close();
      if (port !== 0) throw new DnsError('DNS_ERR_BIND', `tcp ${host}:${port}: ${(err as Error).message}`);
    }
  }
  throw new DnsError('DNS_ERR_BIND', `no port free for both UDP and TCP on ${host}`);
}
