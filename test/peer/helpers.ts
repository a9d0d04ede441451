// Helpers for the engine and peer suites: real trackers, real HTTP origins and real
// node-datachannel peers on 127.0.0.1, torn down after each test.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ManifestObject } from '../../shared/manifest';
import { MemoryChunkStore, type ChunkStore } from '../../shared/fetch/chunk-store';
import { createNodePeer, type NodePeer, type NodePeerOptions } from '../../peer/node-peer';
import { TrackerClient } from '../../tracker/client';
import { startTrackerServer, type TrackerServer } from '../../tracker/server';

export const sri = (b: Uint8Array) => 'sha256-' + createHash('sha256').update(b).digest('base64');

/** A manifest entry for `bytes`, chunked when chunkSize is given. */
export function entryFor(bytes: Uint8Array, chunkSize?: number, type = 'application/octet-stream'): ManifestObject {
  const e: ManifestObject = { size: bytes.length, type, integrity: sri(bytes) };
  if (chunkSize) {
    e.chunkSize = chunkSize;
    e.chunks = [];
    for (let o = 0; o < bytes.length; o += chunkSize) e.chunks.push(sri(bytes.subarray(o, o + chunkSize)));
  }
  return e;
}

export function randomObject(size: number): Uint8Array {
  return new Uint8Array(randomBytes(size));
}

const open: { peers: NodePeer[]; servers: { close(): Promise<void> }[] } = { peers: [], servers: [] };

export async function tracker(): Promise<TrackerServer> {
  const t = await startTrackerServer({ host: '127.0.0.1', port: 0 });
  open.servers.push(t);
  return t;
}

export async function peer(trackerUrl: string, opts: Partial<NodePeerOptions> = {}): Promise<NodePeer> {
  const p = await createNodePeer({ trackerUrl, bindAddress: '127.0.0.1', ...opts });
  open.peers.push(p);
  if (!(await p.engine.whenTrackerReady(5_000))) throw new Error('peer did not reach the tracker');
  return p;
}

export interface Origin {
  url: string;
  /** Requests seen, with their Range header. */
  hits: { path: string; range?: string }[];
  /** Replace what a path serves (e.g. corrupt bytes). */
  files: Map<string, Uint8Array>;
}

/** A real HTTP origin on 127.0.0.1 with Range support. */
export async function origin(files: Record<string, Uint8Array> = {}): Promise<Origin> {
  const map = new Map(Object.entries(files));
  const hits: Origin['hits'] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    hits.push({ path, range: req.headers.range });
    const body = map.get(path);
    if (!body) return void res.writeHead(404).end();
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (m) {
      const [a, b] = [Number(m[1]), Math.min(Number(m[2]), body.length - 1)];
      res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${body.length}`, 'content-length': b - a + 1 });
      return void res.end(body.subarray(a, b + 1));
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  open.servers.push({ close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) });
  return { url, hits, files: map };
}

/** A store whose chunks come back with one byte flipped: a real peer serving corrupt data. */
export class CorruptingStore extends MemoryChunkStore implements ChunkStore {
  override async getChunk(integrity: string, index: number): Promise<Uint8Array | undefined> {
    const b = await super.getChunk(integrity, index);
    if (!b) return b;
    const bad = b.slice();
    bad[0] ^= 0xff;
    return bad;
  }
}

export async function closeAll(): Promise<void> {
  await Promise.all(open.peers.splice(0).map((p) => p.stop()));
  await Promise.all(open.servers.splice(0).map((s) => s.close()));
}

export async function until(pred: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let observerSeq = 0;
/** Waits until the tracker lists `count` holders of `integrity` (announces are coalesced and async). */
export async function holders(trackerUrl: string, integrity: string, count: number): Promise<void> {
  const c = await TrackerClient.connect(trackerUrl);
  try {
    await c.hello({ peerId: `observer-${++observerSeq}` });
    const end = Date.now() + 5_000;
    while ((await c.lookup(integrity)).peers.length < count) {
      if (Date.now() > end) throw new Error(`tracker never listed ${count} holders`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await c.close();
  }
}
