// One process of the flash crowd (forked by bench/flash-crowd.ts): its share of the visitors, each arriving at its
// planned time and loading the page — every object the manifest lists, at most six at a time like a browser.
//  - reef:    a headless peer (the browser extension's fetch engine over node-datachannel) on its seed's tracker;
//             the manifest from the origin (as the extension's discovery does), then every object through the
//             engine: peers, then the seed's proxy, then the origin. The peer stays on line, serving, to the end.
//  - proxies: plain HTTP GETs through the seed's proxy name (a CoralCDN user: no extension, no peers).
//  - origin:  plain HTTP GETs straight to the origin (no Reef at all).
import { readFile } from 'node:fs/promises';
import { createNodePeer, type NodePeer } from '../peer/node-peer';
import { MANIFEST_WELL_KNOWN_PATH, parseManifest, type Manifest } from '../shared/manifest';
import { httpGet, seedProxyUrl, withLimit, type FromWorker, type PeerDone, type PeerPlan, type SeedAddr, type ToWorker } from './flash-crowd-support';

const CONNECTIONS_PER_PAGE = 6;

type Start = Extract<ToWorker, { type: 'start' }>;

const peers: NodePeer[] = [];
const timers: NodeJS.Timeout[] = [];
const send = (m: FromWorker) => process.send?.(m);

async function loadPage(s: Start, plan: PeerPlan, seedsByPort: Map<number, string>, fileManifest: Manifest): Promise<PeerDone> {
  const seed: SeedAddr = s.seeds[plan.seed];
  const source = { peer: 0, seed: 0, origin: 0, cache: 0 };
  const startMs = Date.now();
  const http = (url: string, init: { range?: [number, number]; signal?: AbortSignal } = {}) => httpGet(url, { ...init, zone: s.zone, seedsByPort });
  const work = async () => {
    if (s.scenario === 'reef') {
      const peer = await createNodePeer({ trackerUrl: seed.tracker, bindAddress: '127.0.0.1', httpFetch: http });
      peers.push(peer);
      const res = await http(s.originUrl + MANIFEST_WELL_KNOWN_PATH);
      if (res.status !== 200) throw new Error(`manifest: HTTP ${res.status}`);
      const m = parseManifest(res.body);
      await withLimit(
        CONNECTIONS_PER_PAGE,
        Object.entries(m.objects).map(([path, entry]) => async () => {
          const r = await peer.engine.fetchObject({ site: m.origin, path, entry, seedProxyUrl: seedProxyUrl(seed, s.originUrl, s.zone, path), originUrl: s.originUrl + path });
          for (const k of ['peer', 'seed', 'origin', 'cache'] as const) source[k] += r.source[k];
        }),
      );
      return;
    }
    await withLimit(
      CONNECTIONS_PER_PAGE,
      Object.entries(fileManifest.objects).map(([path, entry]) => async () => {
        const url = s.scenario === 'proxies' ? seedProxyUrl(seed, s.originUrl, s.zone, path) : s.originUrl + path;
        const r = await http(url);
        if (r.status !== 200 || r.body.length !== entry.size) throw new Error(`${path}: HTTP ${r.status}, ${r.body.length} bytes`);
        source[s.scenario === 'proxies' ? 'seed' : 'origin'] += r.body.length;
      }),
    );
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('page timeout')), s.pageTimeoutMs)))]);
    return { type: 'done', id: plan.id, startMs, endMs: Date.now(), ok: true, source };
  } catch (e) {
    return { type: 'done', id: plan.id, startMs, endMs: Date.now(), ok: false, error: e instanceof Error ? e.message : String(e), source };
  } finally {
    clearTimeout(timer);
  }
}

async function start(s: Start): Promise<void> {
  const seedsByPort = new Map(s.seeds.map((x) => [x.httpPort, x.host]));
  const fileManifest = parseManifest(await readFile(s.manifestPath));
  for (const plan of s.peers) {
    timers.push(setTimeout(() => void loadPage(s, plan, seedsByPort, fileManifest).then(send), Math.max(0, plan.atMs - Date.now())));
  }
}

async function stop(): Promise<void> {
  for (const t of timers) clearTimeout(t);
  let uploadedBytes = 0;
  for (const p of peers) uploadedBytes += p.engine.stats().uploadedBytes;
  await Promise.all(peers.map((p) => p.stop().catch(() => {})));
  send({ type: 'stopped', uploadedBytes });
  process.exit(0);
}

process.on('message', (m: ToWorker) => {
  if (m.type === 'start') void start(m);
  else if (m.type === 'stop') void stop();
});
// The conductor went away (or was killed): never outlive it.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
