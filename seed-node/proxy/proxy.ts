// The seed's caching proxy: createProxy() for the seed's HTTP server, startProxyServer() for tests and benches.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../../shared/clock';
import type { ContentIndex } from '../../tracker/content-index';
import { Cooperation } from './cooperation';
import { PROXY_DEFAULTS, type ProxyLimits } from './defaults';
import { Fetcher } from './fetcher';
import { RequestHandler } from './handler';
import type { ProxyPointer } from './index-value';
import { silentLogger, type ProxyLogger } from './log';
import { ManifestCache } from './manifests';
import { QuotaTable } from './quotas';
import { defaultResolveHost, type ResolveHost } from './resolve-origin';
import { newCounters, type ProxyStats } from './stats';
import { ObjectStore } from './store';
import { createAgents } from './upstream';
import { holdTickObjectShape } from '../../shared/platform/tick-object-shape';

export interface ProxyOptions {
  zone: string;
  cacheDir: string;
  cacheSizeBytes: number;
  index: ContentIndex;
  self: { id: string; httpAddr: string };
  allowPrivateOrigins: boolean;
  allowHttpOrigins: boolean;
  clock?: Clock;
  log?: ProxyLogger;
  limits?: Partial<ProxyLimits>;
  resolveHost?: ResolveHost;
  /** Orders seeds found in the index, nearest first (default: the index's order). */
  rank?: (values: ProxyPointer[]) => ProxyPointer[];
}

export interface Proxy {
  /** True for a Host name under the zone, a seed-to-seed peer fetch, or an absolute-form (proxy-style) request. */
  handles(req: IncomingMessage): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
  stats(): ProxyStats;
  close(): Promise<void>;
}

export async function createProxy(opts: ProxyOptions): Promise<Proxy> {
  holdTickObjectShape(); // every cache hit runs several nextTicks
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? silentLogger;
  const limits: ProxyLimits = { ...PROXY_DEFAULTS, ...opts.limits };
  const zone = opts.zone.toLowerCase().replace(/\.$/, '');
  const counters = newCounters();
  const coop = new Cooperation({ index: opts.index, self: opts.self, clock, log, indexTimeoutMs: limits.indexTimeoutMs, rank: opts.rank });
  const store = await ObjectStore.open({
    dir: opts.cacheDir,
    maxBytes: opts.cacheSizeBytes,
    memoryObjectMaxBytes: limits.memoryObjectMaxBytes,
    memoryCacheBytes: limits.memoryCacheBytes,
    clock,
    log,
    onEvict: () => {}, // held pointers expire by TTL; a seed asked for an evicted URL answers not-cached
  });
  const manifests = new ManifestCache(clock, limits.manifestTtlMs, log);
  const agents = createAgents();
  const fetcher = new Fetcher({
    limits, clock, log, store, coop, manifests, agents, counters,
    resolveHost: opts.resolveHost ?? defaultResolveHost,
    allowPrivateOrigins: opts.allowPrivateOrigins,
    selfId: opts.self.id,
  });
  const table = (perSec: number, burst: number) => new QuotaTable(clock, perSec, burst, limits.quotaTableSize);
  const handler = new RequestHandler({
    zone, selfId: opts.self.id, allowHttpOrigins: opts.allowHttpOrigins, limits, clock, store, fetcher, counters,
    quotas: {
      clientRequests: table(limits.clientRequestsPerSec, limits.clientRequestBurst),
      clientBytes: table(limits.clientBytesPerSec, limits.clientByteBurst),
      originRequests: table(limits.originRequestsPerSec, limits.originRequestBurst),
      originBytes: table(limits.originBytesPerSec, limits.originByteBurst),
    },
  });
  return {
    handles: (req) => handler.claims(req),
    handle: (req, res) => handler.handle(req, res),
    stats: () => ({
      ...counters,
      errors: { ...counters.errors },
      cacheObjects: store.count,
      cacheBytes: store.usedBytes,
      inFlight: fetcher.inFlight,
      indexErrors: coop.indexErrors,
      indexPointersPut: coop.pointersPut,
      indexGarbage: coop.garbageValues,
      manifestsInvalid: manifests.invalid,
    }),
    close: async () => {
      await fetcher.settle();
      agents.http.destroy();
      agents.https.destroy();
      await store.settle();
    },
  };
}

export interface ProxyServer {
  proxy: Proxy;
  server: Server;
  /** host:port the server listens on. */
  addr: string;
  port: number;
  close(): Promise<void>;
}

/** The proxy on its own HTTP server (no seed routes); `self.httpAddr` defaults to the address listened on. */
export async function startProxyServer(
  opts: Omit<ProxyOptions, 'self'> & { self: { id: string; httpAddr?: string }; host: string; port: number },
): Promise<ProxyServer> {
  let proxy: Proxy | null = null;
  const server = createServer((req, res) => {
    if (proxy?.handles(req)) return proxy.handle(req, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not a proxied name\n');
  });
  server.headersTimeout = 10_000; // slow-loris: the whole request head within 10 s
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const addr = `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  proxy = await createProxy({ ...opts, self: { id: opts.self.id, httpAddr: opts.self.httpAddr ?? addr } });
  const p = proxy;
  return {
    proxy: p,
    server,
    addr,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await p.close();
    },
  };
}
