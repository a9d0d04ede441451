// Real sockets on loopback: an origin server that counts what it is asked, seed proxies sharing one index,
// and a client that names the proxied host in the Host header.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../shared/clock';
import { MemoryContentIndex } from '../../tracker/content-index';
import type { ProxyLimits } from '../../seed-node/proxy/defaults';
import { startProxyServer, type ProxyServer } from '../../seed-node/proxy/proxy';

export const ZONE = 'reef.test';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface Origin {
  port: number;
  server: Server;
  /** Requests seen per path (without query). */
  hits: Map<string, number>;
  /** Request headers of the last request per path. */
  lastHeaders: Map<string, IncomingHttpHeaders>;
  routes: Map<string, Route>;
  count(path: string): number;
  close(): Promise<void>;
}

export async function startOrigin(routes: Record<string, Route> = {}): Promise<Origin> {
  const hits = new Map<string, number>();
  const lastHeaders = new Map<string, IncomingHttpHeaders>();
  const table = new Map(Object.entries(routes));
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    hits.set(path, (hits.get(path) ?? 0) + 1);
    lastHeaders.set(path, req.headers);
    const route = table.get(path);
    if (route) return route(req, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('no such object\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    hits,
    lastHeaders,
    routes: table,
    count: (p) => hits.get(p) ?? 0,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** A route answering with fixed bytes and headers. */
export function bytes(body: Buffer | string, headers: Record<string, string> = {}, delayMs = 0): Route {
  return (_req, res) => {
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    const send = () => res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': b.length, ...headers }).end(b);
    if (delayMs) setTimeout(send, delayMs);
    else send();
  };
}

export interface Testnet {
  index: MemoryContentIndex;
  seeds: ProxyServer[];
  dirs: string[];
  /** Starts another seed (e.g. a restart on an existing cache dir). */
  add(o?: { id?: string; dir?: string; limits?: Partial<ProxyLimits>; allowHttpOrigins?: boolean; allowPrivateOrigins?: boolean; resolveHost?: (h: string) => Promise<string[]>; cacheSizeBytes?: number }): Promise<ProxyServer>;
  close(): Promise<void>;
}

export async function createTestnet(n: number, o: { limits?: Partial<ProxyLimits>; cacheSizeBytes?: number } = {}): Promise<Testnet> {
  const index = new MemoryContentIndex(systemClock);
  const seeds: ProxyServer[] = [];
  const dirs: string[] = [];
  const net: Testnet = {
    index,
    seeds,
    dirs,
    async add(a = {}) {
      const dir = a.dir ?? (await mkdtemp(join(tmpdir(), 'reef-proxy-')));
      if (!dirs.includes(dir)) dirs.push(dir);
      const s = await startProxyServer({
        zone: ZONE,
        cacheDir: dir,
        cacheSizeBytes: a.cacheSizeBytes ?? o.cacheSizeBytes ?? 256 * 1024 * 1024,
        index,
        self: { id: a.id ?? `seed${seeds.length + 1}` },
        allowPrivateOrigins: a.allowPrivateOrigins ?? true,
        allowHttpOrigins: a.allowHttpOrigins ?? true,
        limits: { ...o.limits, ...a.limits },
        resolveHost: a.resolveHost,
        host: '127.0.0.1',
        port: 0,
      });
      seeds.push(s);
      return s;
    },
    async close() {
      await Promise.all(seeds.map((s) => s.close()));
      index.close();
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true, maxRetries: 5 })));
    },
  };
  for (let i = 0; i < n; i++) await net.add();
  return net;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** GET (or another method) through a seed, with Host `<host>`. */
export function fetchVia(seed: { port: number }, host: string, path: string, o: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: seed.port, path, method: o.method ?? 'GET', headers: { host, ...o.headers }, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('aborted')));
    });
    req.on('error', reject);
    req.end();
  });
}

export function originHost(origin: { port: number }): string {
  return `localhost.${origin.port}.${ZONE}`;
}

export function randomBytes(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}
