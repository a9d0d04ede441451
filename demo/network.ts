// `reef demo`: a whole Reef network on loopback — seeds in emulated regions (latency injected in the index
// transport), a publisher site with a signed manifest, and headless peers seeding it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { generateManifest } from '../publisher/generate';
import { generateKeyPair } from '../shared/manifest';
import { createNodePeer, type NodePeer } from '../peer/node-peer';
import { seedSite } from '../peer/seed-site';
import { SEED_DEFAULTS } from '../seed-node/config';
import { loopbackRegions, withLatency } from '../seed-node/emulated-latency';
import { startSeed, type Seed } from '../seed-node/seed';
import { systemClock } from '../shared/clock';
import { startOrigin, type OriginServer } from './origin';
import { writeDemoSite } from './site';

export const DEMO_DEFAULTS = { seeds: 3, peers: 3, zone: 'reef.localhost', secret: 'reef-demo-shared-secret' };
export const DEMO_REGIONS = ['us', 'eu', 'asia'];
/** Round-trip times between the demo's regions, in ms. */
export const DEMO_RTT_MS = [
  [0, 80, 150],
  [80, 0, 120],
  [150, 120, 0],
];

export interface DemoNetwork {
  origin: OriginServer;
  seeds: Array<{ seed: Seed; region: string; host: string }>;
  peers: NodePeer[];
  siteDir: string;
  publicKey: string;
  statusLine(): string;
  stop(): Promise<void>;
}

/** Seed i lives in region i mod 3, at 127.0.<region>.<1 + i div 3>; seed 0 is on 127.0.0.1, where *.localhost points. */
export function seedHost(i: number): string {
  return `127.0.${i % DEMO_REGIONS.length}.${1 + Math.floor(i / DEMO_REGIONS.length)}`;
}

export async function startDemo(opts: Partial<typeof DEMO_DEFAULTS> & { logLevel?: string } = {}): Promise<DemoNetwork> {
  const o = { ...DEMO_DEFAULTS, ...opts };
  const work = await mkdtemp(join(tmpdir(), 'reef-demo-'));
  const siteDir = join(work, 'site');
  await writeDemoSite(siteDir);
  // Named `localhost`, as the proxy name localhost.<port>.<zone> maps to it, so one signed manifest fits both.
  const origin = await startOrigin(siteDir, '127.0.0.1', 0, 'localhost');
  const key = generateKeyPair();
  await generateManifest({ dir: siteDir, origin: origin.url, secretKey: key.secretKey, cachePath: join(work, 'manifest-cache.json') });

  const log = pino({ level: opts.logLevel ?? 'warn', base: { component: 'demo' } }, pino.destination(2));
  const model = loopbackRegions(DEMO_REGIONS, DEMO_RTT_MS);
  const seeds: DemoNetwork['seeds'] = [];
  for (let i = 0; i < o.seeds; i++) {
    const host = seedHost(i);
    const seed = await startSeed(
      {
        ...SEED_DEFAULTS,
        host,
        dhtPort: 0,
        httpPort: 0,
        dnsPort: 0,
        bootstrap: seeds.length ? [seeds[0].seed.status().addresses.dht] : [],
        zone: o.zone,
        secret: o.secret,
        dataDir: join(work, `seed-${i + 1}`),
        cacheSizeBytes: 256 * 2 ** 20,
        allowPrivateOrigins: true,
        allowHttpOrigins: true,
      },
      { log: log.child({ seed: i + 1 }), wrapTransport: (t) => withLatency(t, model, systemClock) },
    );
    seeds.push({ seed, region: model.regionOf(`${host}:1`), host });
  }

  const peers: NodePeer[] = [];
  for (let i = 0; i < o.peers; i++) {
    const { seed } = seeds[i % seeds.length];
    const peer = await createNodePeer({ trackerUrl: seed.status().addresses.tracker, bindAddress: '127.0.0.1' });
    await seedSite(peer.engine, siteDir);
    peers.push(peer);
  }

  return {
    origin,
    seeds,
    peers,
    siteDir,
    publicKey: key.publicKey,
    statusLine() {
      const st = seeds.map((s) => s.seed.status());
      const joined = st.filter((s) => s.joined).length;
      const clients = st.reduce((n, s) => n + s.tracker.clients, 0);
      const proxied = st.reduce((n, s) => n + Number((s.cache as { requests?: number }).requests ?? 0), 0);
      const uploaded = peers.reduce((n, p) => n + p.engine.stats().uploadedBytes, 0);
      return `seeds ${joined}/${st.length} joined, contacts ${st.map((s) => s.contacts).join('/')} | tracker clients ${clients} | peers ${peers.length}, uploaded ${(uploaded / 1024).toFixed(0)} KiB | proxy requests ${proxied} | origin requests ${origin.total()}`;
    },
    async stop() {
      await Promise.all(peers.map((p) => p.stop().catch(() => {})));
      await Promise.all(seeds.map((s) => s.seed.stop().catch(() => {})));
      await origin.close();
      log.flush();
      await rm(work, { recursive: true, force: true });
    },
  };
}
