// A real origin for end-to-end tests: node:http on 127.0.0.1 serving a site directory (with the manifest made by
// the real `reef manifest` command), logging every request so a test can tell exactly what the origin was asked.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import mime from 'mime/lite';
import { runReef } from '../../support/cli';

export interface LoggedRequest {
  method: string;
  path: string;
  cookie: string | undefined;
  range: string | undefined;
  userAgent: string | undefined;
  /** Who asked, as the browser labels it: `image`, `script`, `empty` (fetch from the extension)... */
  dest: string | undefined;
  referer: string | undefined;
  /** Set by a proxy (a seed) that forwarded the request. */
  via: string | undefined;
  atMs: number;
}

export interface Origin {
  url: string;
  dir: string;
  log: LoggedRequest[];
  /** Requests for `path` logged so far. */
  hits(path: string): LoggedRequest[];
  /** Replace a file's bytes on disk after the manifest was made (what the origin serves then no longer matches). */
  overwrite(path: string, bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export async function startOrigin(files: Record<string, Uint8Array | string>, opts: { manifest?: boolean; headers?: Record<string, string> } = {}): Promise<Origin> {
  const dir = await mkdtemp(join(tmpdir(), 'reef-origin-'));
  for (const [path, body] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), body);
  }
  const log: LoggedRequest[] = [];
  const server: Server = createServer((req, res) => void serve(dir, log, req, res, opts.headers ?? {}));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${addr.port}`;
  if (opts.manifest !== false) {
    const res = await runReef(['manifest', dir, '--origin', url, '--no-progress', '--quiet', '--cache', join(tmpdir(), `reef-cache-${addr.port}.json`)]);
    if (res.code !== 0) throw new Error(`reef manifest failed: ${res.stderr}`);
  }
  return {
    url,
    dir,
    log,
    hits: (path) => log.filter((r) => r.path === path),
    overwrite: (path, bytes) => writeFile(join(dir, path), bytes),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function serve(dir: string, log: LoggedRequest[], req: IncomingMessage, res: import('node:http').ServerResponse, headers: Record<string, string>): Promise<void> {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  log.push({ method: req.method ?? '', path, cookie: req.headers.cookie, range: req.headers.range, userAgent: req.headers['user-agent'], dest: req.headers['sec-fetch-dest'] as string | undefined, referer: req.headers.referer, via: req.headers.via as string | undefined, atMs: Date.now() });
  const file = normalize(join(dir, path.endsWith('/') ? path + 'index.html' : path));
  if (!file.startsWith(dir)) return void res.writeHead(403).end();
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
  res.writeHead(200, { 'content-type': mime.getType(file) ?? 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-store', ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}
