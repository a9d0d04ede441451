// What `reef peer` does once its options are checked: start a Node peer, seed sites from
// directories, fetch objects through the network, print a status line, stop cleanly on a signal.
import { MANIFEST_WELL_KNOWN_PATH, normalizePath, parseManifest, type Manifest } from '../shared/manifest';
import { MemoryChunkStore } from '../shared/fetch/chunk-store';
import type { EngineStats, HttpFetch } from '../shared/fetch/types';
import { DirChunkStore } from './dir-chunk-store';
import { nodeHttpFetch } from './node-http-fetch';
import { createNodePeer, type NodePeer } from './node-peer';
import { seedSite } from './seed-site';

export interface RunPeerOptions {
  trackerUrl: string;
  seedSites: string[];
  origin?: string;
  cacheDir?: string;
  serve: boolean;
  uploadBytesPerSec: number;
  uploadBytesPerMonth: number;
  bindAddress?: string;
  fetch: string[];
  /** Exit after the fetches instead of staying up to serve. */
  once: boolean;
  statusEveryMs: number;
  out: (line: string) => void;
}

const mib = (n: number) => (n / 2 ** 20).toFixed(2) + ' MiB';

export function statusLine(s: EngineStats): string {
  const d = s.downloaded;
  return (
    `status: tracker ${s.trackerConnected ? 'up' : 'down'}, ${s.peersConnected} peers, ` +
    `down peer ${mib(d.peer)} seed ${mib(d.seed)} origin ${mib(d.origin)}, up ${mib(s.uploadedBytes)} (${s.chunksServed} chunks), ` +
    `bad peers ${s.badPeers}`
  );
}

/** Resolves the --fetch arguments to (site manifest, path) pairs; a site URL ending in "/" means every object. */
async function resolveFetches(targets: string[], origin: string | undefined, httpFetch: HttpFetch): Promise<{ manifest: Manifest; base: string; path: string }[]> {
  const manifests = new Map<string, Manifest>();
  const out: { manifest: Manifest; base: string; path: string }[] = [];
  for (const t of targets) {
    const url = new URL(t, origin);
    let manifest = manifests.get(url.origin);
    if (!manifest) {
      const res = await httpFetch(url.origin + MANIFEST_WELL_KNOWN_PATH, {});
      if (res.status !== 200) throw new Error(`${url.origin}${MANIFEST_WELL_KNOWN_PATH}: HTTP ${res.status}`);
      manifest = parseManifest(res.body);
      manifests.set(url.origin, manifest);
    }
    const path = normalizePath(url.pathname) ?? url.pathname;
    if (path === '/' && !manifest.objects['/']) for (const p of Object.keys(manifest.objects)) out.push({ manifest, base: url.origin, path: p });
    else if (manifest.objects[path]) out.push({ manifest, base: url.origin, path });
    else throw new Error(`${url.origin}${path} is not listed in the site's manifest`);
  }
  return out;
}

export async function runPeer(o: RunPeerOptions): Promise<number> {
  let peer: NodePeer | null = null;
  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= (async () => peer?.stop())());
  const onSignal = () => void stop();
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  let statusTimer: NodeJS.Timeout | null = null;
  try {
    peer = await createNodePeer({
      trackerUrl: o.trackerUrl,
      store: o.cacheDir ? new DirChunkStore(o.cacheDir) : new MemoryChunkStore(),
      bindAddress: o.bindAddress,
      policy: { serve: o.serve, uploadBytesPerSec: o.uploadBytesPerSec, uploadBytesPerMonth: o.uploadBytesPerMonth },
      httpFetch: nodeHttpFetch,
    });
    const engine = peer.engine;
    const up = await engine.whenTrackerReady(5_000);
    if (!up) o.out(`warning: tracker ${o.trackerUrl} not reachable yet; fetching from origins until it is`);
    for (const dir of o.seedSites) {
      const r = await seedSite(engine, dir);
      for (const p of r.problems) o.out(`not seeding ${p.path}: ${p.problem === 'missing' ? 'file missing' : 'bytes do not match the manifest'}`);
      o.out(`seeding ${r.seeded}/${r.objects} objects (${mib(r.bytes)}) of ${r.origin} from ${dir}`);
    }
    o.out(`reef peer ${engine.peerId} ready (tracker ${o.trackerUrl}, ${o.serve ? 'serving' : 'not serving'})`);
    let failures = 0;
    if (o.fetch.length > 0) {
      for (const f of await resolveFetches(o.fetch, o.origin, nodeHttpFetch)) {
        const entry = f.manifest.objects[f.path];
        const t0 = performance.now();
        try {
          const r = await engine.fetchObject({ site: f.manifest.origin, path: f.path, entry, originUrl: f.base + f.path });
          const ms = (performance.now() - t0).toFixed(0);
          o.out(`fetched ${f.path} ${r.bytes.length} bytes in ${ms} ms: peer ${r.source.peer} seed ${r.source.seed} origin ${r.source.origin} cache ${r.source.cache}`);
        } catch (e) {
          failures++;
          o.out(`failed ${f.path}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
    if (o.once) {
      o.out(statusLine(engine.stats()));
      await stop();
      return failures > 0 ? 1 : 0;
    }
    if (o.statusEveryMs > 0) statusTimer = setInterval(() => o.out(statusLine(engine.stats())), o.statusEveryMs);
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      process.once('SIGINT', done).once('SIGTERM', done);
    });
    await stop();
    o.out(statusLine(engine.stats()));
    return failures > 0 ? 1 : 0;
  } finally {
    if (statusTimer) clearInterval(statusTimer);
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}
