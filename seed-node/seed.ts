// `reef seed`: one process hosting a Coral index node (UDP), the tracker (WebSocket on the HTTP port), the
// status and metrics endpoints, and — through their own modules — the DNS server and the caching proxy.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmacAuthenticator } from '../shared/index/auth';
import { SERVICES } from '../shared/index/config';
import { CoralNode } from '../shared/index/node';
import type { Clock, Transport } from '../shared/index/types';
import { TRACKER_PATH } from '../shared/tracker/protocol';
import { systemClock } from '../shared/clock';
import { Tracker, type TrackerLogger } from '../tracker/core';
import { coralContentIndex, CoralSignalRelay, serveCoralSignals } from '../tracker/coral';
import { attachTracker, type AttachedTracker } from '../tracker/ws-front';
import type { SeedConfig } from './config';
import { SeedDataDir } from './data-dir';
import { join } from 'node:path';
import { createSeedHttpServer, type SeedHttpHandlers } from './http-server';
import { createProxy, type Proxy } from './proxy/proxy';
import { isIP } from 'node:net';
import { LivenessTracker } from './dns/liveness';
import { startDnsServer, type DnsServer } from './dns/server';
import { clustersOf, SeedDiscovery } from './seed-discovery';
import { createRegistry, exposeCounters } from './metrics';
import { startUdpTransport } from './udp-transport';
import { holdTickObjectShape } from '../shared/platform/tick-object-shape';

export const SEED_VERSION = '0.1.0';

export interface SeedLogger extends TrackerLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Seed {
  readonly nodeId: string;
  readonly node: CoralNode;
  readonly tracker: Tracker;
  readonly http: Server;
  readonly httpPort: number;
  readonly dhtPort: number;
  status(): SeedStatus;
  stop(): Promise<void>;
}

export interface SeedStatus {
  nodeId: string;
  version: string;
  uptimeSeconds: number;
  joined: boolean;
  addresses: { dht: string; http: string; tracker: string; dns: string };
  contacts: number;
  levels: Array<{ level: number; clusterId: number; size: number; rttThresholdMs: number }>;
  tracker: { clients: number; announces: number; lookups: number; signalsRelayed: number };
  cache: Record<string, unknown>;
  index: Record<string, number>;
  liveSeeds: Array<{ id: string; http: string; dnsPort: number; rttMs?: number }>;
}

export interface SeedDeps {
  log: SeedLogger;
  clock?: Clock;
  /** Wraps the index transport, e.g. withLatency() to emulate regions on one host. */
  wrapTransport?: (t: Transport) => Transport;
}

export async function startSeed(cfg: SeedConfig, deps: SeedDeps): Promise<Seed> {
  holdTickObjectShape(); // as early as the seed can: see the module
  const clock = deps.clock ?? systemClock;
  const log = deps.log;
  const dataDir = new SeedDataDir(cfg.dataDir);
  await dataDir.init();
  const id = await dataDir.nodeId();
  const nodeId = Buffer.from(id).toString('hex');
  const startedMs = clock.now();

  const transport = await startUdpTransport({ host: cfg.host, port: cfg.dhtPort });
  const node = new CoralNode(
    { transport: deps.wrapTransport ? deps.wrapTransport(transport) : transport, clock, authenticator: createHmacAuthenticator(cfg.secret) },
    // Three replicas: an announcement survives any two seeds failing before the next refresh.
    { id, services: SERVICES.tracker | SERVICES.proxy | SERVICES.dns, storeReplicas: 3 },
  );
  const remembered = node.importContacts(await dataDir.loadContacts());

  const registry = createRegistry();
  // The proxy needs the HTTP address, known only once listening (port 0): it is attached right after.
  const handlers: SeedHttpHandlers = { status: () => status(), metrics: registry };
  const http = createSeedHttpServer(handlers);
  await listen(http, cfg.host, cfg.httpPort);
  const httpPort = (http.address() as AddressInfo).port;
  const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;

  const relay = new CoralSignalRelay(node);
  const tracker = new Tracker({ clock, index: coralContentIndex(node), relay, log, self: { id: nodeId, addr: `${host}:${httpPort}` } }, { iceServers: cfg.iceServers.map((urls) => ({ urls })) });
  serveCoralSignals(node, tracker);
  const proxy: Proxy = await createProxy({
    zone: cfg.zone,
    cacheDir: join(cfg.dataDir, 'cache'),
    cacheSizeBytes: cfg.cacheSizeBytes,
    index: coralContentIndex(node),
    self: { id: nodeId, httpAddr: `${host}:${httpPort}` },
    allowPrivateOrigins: cfg.allowPrivateOrigins,
    allowHttpOrigins: cfg.allowHttpOrigins,
    clock,
    log,
  });
  handlers.front = proxy;

  // DNS: answers name the live seeds nearest the resolver, as the index's probes see them.
  const advertised = cfg.advertiseHost || cfg.host;
  let dnsPort = 0;
  const selfInfo = () => ({
    id: nodeId,
    ...(isIP(advertised) === 6 ? { ipv6: advertised } : { ipv4: advertised }),
    httpPort,
    dnsPort,
    lastSeenMs: clock.now(),
    clusters: clustersOf(node),
  });
  const discovery = new SeedDiscovery(node, new LivenessTracker(clock), selfInfo, clock);
  const dns: DnsServer = await startDnsServer({ host: cfg.host, port: cfg.dnsPort, zone: cfg.zone, directory: discovery, clock, log });
  dnsPort = dns.udpPort;
  discovery.start();
  exposeCounters(registry, 'dns', () => dns.stats());
  exposeCounters(registry, 'proxy', () => proxy.stats() as unknown as Record<string, number>, ['cacheBytes', 'cacheObjects', 'inFlight']);
  exposeCounters(registry, 'tracker', () => tracker.metrics, ['sessionsActive']);
  exposeCounters(registry, 'index', () => node.counters, ['storedValues']);
  const front: AttachedTracker = attachTracker(tracker, http);
  tracker.start();

  let joined = false;
  void node.start([...new Set([...cfg.bootstrap, ...remembered])]).then(() => {
    joined = true;
    void persist(); // a seed killed before its first periodic save still rejoins fast
    log.info({ contacts: node.exportContacts().length, levels: node.levels() }, 'joined the index');
  });
  const persist = async () => dataDir.saveContacts(node.exportContacts()).catch((e: Error) => log.warn({ err: e.message }, 'could not persist contacts'));
  let persistTimer = clock.setTimeout(function again() {
    void persist();
    persistTimer = clock.setTimeout(again, cfg.persistEverySec * 1000);
  }, cfg.persistEverySec * 1000);

  function status(): SeedStatus {
    const m = tracker.metrics;
    return {
      nodeId,
      version: SEED_VERSION,
      uptimeSeconds: Math.round((clock.now() - startedMs) / 1000),
      joined,
      addresses: { dht: transport.address, http: `${host}:${httpPort}`, tracker: `ws://${host}:${httpPort}${TRACKER_PATH}`, dns: `${host}:${dnsPort}` },
      liveSeeds: discovery.liveSeeds({ count: 64, service: 'proxy' }).map((x) => ({ id: x.id, http: `${x.ipv4 ?? x.ipv6}:${x.httpPort}`, dnsPort: x.dnsPort, rttMs: x.rttMs })),
      contacts: node.exportContacts().length,
      levels: node.levels(),
      tracker: { clients: m.sessionsActive, announces: m.announces, lookups: m.lookups, signalsRelayed: m.signalsRelayed },
      index: node.counters,
      cache: proxy.stats() as unknown as Record<string, unknown>,
    };
  }

  log.info({ nodeId, dht: transport.address, http: `${host}:${httpPort}` }, 'seed started');
  return {
    nodeId,
    node,
    tracker,
    http,
    httpPort,
    dhtPort: Number(transport.address.split(':').pop()),
    status,
    async stop() {
      clock.clearTimeout(persistTimer);
      await tracker.stop();
      await front.close();
      await proxy.close();
      discovery.stop();
      await dns.close();
      await persist();
      node.stop(); // tells routing contacts we are leaving
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
