// A plain static origin server for the demo and experiments: serves a directory and counts requests per path,
// so the demo can show how few reach the origin.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import mime from 'mime';

export interface OriginServer {
  url: string;
  server: Server;
  requests: Map<string, number>;
  total(): number;
  close(): Promise<void>;
}

/** `publicHost` names the server in its URL (the demo uses localhost, which the proxy's names map to). */
export async function startOrigin(dir: string, host = '127.0.0.1', port = 0, publicHost = host): Promise<OriginServer> {
  const requests = new Map<string, number>();
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const file = normalize(join(dir, path === '/' ? '/index.html' : path));
    if (!file.startsWith(normalize(dir))) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': mime.getType(file) ?? 'application/octet-stream', 'content-length': body.length, 'cache-control': 'public, max-age=60' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const url = `http://${publicHost}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    requests,
    total: () => [...requests.values()].reduce((a, b) => a + b, 0),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
