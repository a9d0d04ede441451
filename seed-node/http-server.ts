// The seed's HTTP port: its own routes under /.well-known/reef/ (status, metrics, the tracker WebSocket),
// and, for Host names under the zone, the caching proxy.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export const STATUS_PATH = '/.well-known/reef/status';
export const METRICS_PATH = '/.well-known/reef/metrics';

export interface SeedHttpHandlers {
  status: () => unknown;
  metrics: Registry;
  /** A component that claims some requests first (the proxy, for names under the zone). */
  front?: { handles(req: IncomingMessage): boolean; handle(req: IncomingMessage, res: ServerResponse): void };
}

export function createSeedHttpServer(h: SeedHttpHandlers): Server {
  const server = createServer((req, res) => {
    if (h.front?.handles(req)) return h.front.handle(req, res);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'only GET and HEAD\n', { allow: 'GET, HEAD' });
    if (path === STATUS_PATH) return send(res, 200, 'application/json', JSON.stringify(h.status(), null, 1) + '\n', { 'cache-control': 'no-store' });
    if (path === METRICS_PATH) {
      h.metrics.metrics().then(
        (text) => send(res, 200, h.metrics.contentType, text, { 'cache-control': 'no-store' }),
        (err: Error) => send(res, 500, 'text/plain', `metrics failed: ${err.message}\n`),
      );
      return;
    }
    send(res, 404, 'text/plain', `not found: this is a Reef seed; see ${STATUS_PATH}\n`);
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return server;
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
