// Coral's first evaluation question — does it solve the flash crowd? — asked of Reef on loopback.
// A crowd of visitors arrives over about a minute at one page (~17 objects, two of them chunked, > 1 MiB) and
// loads it three times over, each time with fresh seeds:
//   reef     headless peers (the extension's fetch engine) + seed proxies + origin fallback;
//   proxies  the same crowd through the seed proxies' names only (CoralCDN-style, browser peers off);
//   origin   the same crowd straight to the origin (no Reef).
// The origin counts every request it receives (its own log); each visitor reports its page-completion latency
// and its bytes by source. Seeds are real `reef seed` processes on 127.0.1.x, bootstrapped to the first; the
// visitors run in a few forked worker processes (bench/flash-crowd-worker.ts).
// Usage: npx tsx bench/flash-crowd.ts [--peers 200] [--seeds 10] [--arrival-seconds 60] [--workers 4]
//        [--scenarios reef,proxies,origin] [--page-timeout-seconds 60] [--rng-seed 1] [--out bench/results/flash-crowd]
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startOrigin } from '../demo/origin';
import { bmpPhoto, writeDemoSite } from '../demo/site';
import { generateManifest } from '../publisher/generate';
import {
  SCENARIOS,
  SCENARIO_LABEL,
  originRequestsSvg,
  percentile,
  type FromWorker,
  type PeerDone,
  type PeerPlan,
  type Scenario,
  type SeedAddr,
  type ToWorker,
} from './flash-crowd-support';
import { mulberry32, table, writeResult } from './support';

const REEF_BIN = fileURLToPath(new URL('../bin/reef.js', import.meta.url));
const WORKER = fileURLToPath(new URL('./flash-crowd-worker.ts', import.meta.url));
const ZONE = 'reef.localhost';
const SECRET = 'reef-flash-crowd-bench-secret';

const { values: argv } = parseArgs({
  options: {
    peers: { type: 'string', default: '200' },
    seeds: { type: 'string', default: '10' },
    'arrival-seconds': { type: 'string', default: '60' },
    workers: { type: 'string', default: '4' },
    scenarios: { type: 'string', default: SCENARIOS.join(',') },
    'page-timeout-seconds': { type: 'string', default: '60' },
    'rng-seed': { type: 'string', default: '1' },
    out: { type: 'string', default: fileURLToPath(new URL('./results/flash-crowd', import.meta.url)) },
  },
});
const PEERS = Number(argv.peers);
const SEEDS = Number(argv.seeds);
const ARRIVAL_MS = Number(argv['arrival-seconds']) * 1000;
const WORKERS = Math.max(1, Math.min(Number(argv.workers), PEERS));
const PAGE_TIMEOUT_MS = Number(argv['page-timeout-seconds']) * 1000;
const RUN: Scenario[] = argv.scenarios!.split(',').map((s) => {
  if (!SCENARIOS.includes(s as Scenario)) throw new Error(`unknown scenario ${s}`);
  return s as Scenario;
});

// ---- every child process is ours to stop, whatever happens ----------------------------------------------------
const children = new Set<ChildProcess>();
function track(c: ChildProcess): ChildProcess {
  children.add(c);
  c.on('exit', () => children.delete(c));
  return c;
}
let workDir: string | undefined;
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    // Seeds leave the index cleanly on SIGTERM; whatever has not exited after 3 s is killed by the exit handler.
    for (const c of children) c.kill('SIGTERM');
    setInterval(() => children.size === 0 && process.exit(130), 100);
    setTimeout(() => process.exit(130), 3000);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function exited(c: ChildProcess, ms: number): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      c.kill('SIGKILL');
      resolve();
    }, ms);
    c.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

// ---- seeds ----------------------------------------------------------------------------------------------------
interface SeedProc extends SeedAddr {
  dht: string;
  child: ChildProcess;
}

function startSeed(i: number, dataDir: string, bootstrap?: string): Promise<SeedProc> {
  const host = `127.0.1.${i + 1}`;
  const args = [REEF_BIN, 'seed', '--host', host, '--data-dir', dataDir, '--http-port', '0', '--dht-port', '0', '--dns-port', '0'];
  args.push('--zone', ZONE, '--allow-http-origins', '--allow-private-origins', '--log-level', 'warn');
  if (bootstrap) args.push('--bootstrap', bootstrap);
  const child = track(spawn(process.execPath, args, { env: { ...process.env, REEF_SECRET: SECRET }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`seed ${i} did not start: ${stderr}`)), 30_000);
    child.on('exit', (code) => reject(new Error(`seed ${i} exited with ${code}: ${stderr}`)));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^reef seed [0-9a-f]{40} dht=(\S+) http=(\S+) tracker=(\S+) dns=\S+$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({ host, httpPort: Number(new URL(m[2]).port), tracker: m[3], dht: m[1], child });
    });
  });
}

async function seedStatus(s: SeedProc): Promise<{ joined: boolean; contacts: number; cache: Record<string, unknown> }> {
  const res = await fetch(`http://${s.host}:${s.httpPort}/.well-known/reef/status`);
  return (await res.json()) as { joined: boolean; contacts: number; cache: Record<string, unknown> };
}

async function startSeeds(n: number, work: string): Promise<SeedProc[]> {
  if (n === 0) return [];
  const first = await startSeed(0, join(work, 'seed-0'));
  const rest = await Promise.all(Array.from({ length: n - 1 }, (_, k) => startSeed(k + 1, join(work, `seed-${k + 1}`), first.dht.replace(/^udp:\/\//, ''))));
  const seeds = [first, ...rest];
  // Every seed joined the index and knows most of the others before the crowd arrives.
  const end = Date.now() + 30_000;
  for (;;) {
    const st = await Promise.all(seeds.map((s) => seedStatus(s).catch(() => null)));
    if (st.every((x) => x && x.joined && x.contacts >= Math.min(n - 1, 3))) break;
    if (Date.now() > end) throw new Error(`seeds did not join: ${JSON.stringify(st.map((x) => x && { joined: x.joined, contacts: x.contacts }))}`);
    await sleep(300);
  }
  return seeds;
}

// ---- one scenario -----------------------------------------------------------------------------------------------
interface OriginHit {
  t: number;
  path: string;
  bytes: number;
}

interface ScenarioResult {
  scenario: Scenario;
  t0: number;
  done: PeerDone[];
  hits: OriginHit[];
  uploadedBytes: number;
  proxy: { requests: number; hits: number; peerHits: number; originFetches: number; coalescedWaiters: number };
  wallSeconds: number;
}

async function runScenario(scenario: Scenario, ctx: { originUrl: string; manifestPath: string; work: string; log: OriginHit[] }): Promise<ScenarioResult> {
  const started = Date.now();
  const seeds = scenario === 'origin' ? [] : await startSeeds(SEEDS, join(ctx.work, scenario));
  const addrs: SeedAddr[] = seeds.map(({ host, httpPort, tracker }) => ({ host, httpPort, tracker }));
  const workers = Array.from({ length: WORKERS }, () => track(fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })));
  const done: PeerDone[] = [];
  let uploadedBytes = 0;
  let stopped = 0;
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.on('message', (m: FromWorker) => {
            if (m.type === 'ready') resolve();
            else if (m.type === 'done') done.push(m);
            else if (m.type === 'stopped') {
              uploadedBytes += m.uploadedBytes;
              stopped++;
            }
          });
          w.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
        }),
    ),
  );

  // The crowd: arrival times drawn uniformly over the window (seeded), visitor i on worker i mod W and seed i mod S.
  const rng = mulberry32(Number(argv['rng-seed']));
  const t0 = Date.now() + 2000;
  const offsets = Array.from({ length: PEERS }, () => rng() * ARRIVAL_MS).sort((a, b) => a - b);
  offsets[0] = 0;
  const plans: PeerPlan[][] = workers.map(() => []);
  offsets.forEach((off, i) => plans[i % WORKERS].push({ id: i, atMs: Math.round(t0 + off), seed: seeds.length ? i % seeds.length : 0 }));
  const logFrom = ctx.log.length;
  workers.forEach((w, k) => {
    const m: ToWorker = { type: 'start', scenario, peers: plans[k], seeds: addrs, originUrl: ctx.originUrl, zone: ZONE, manifestPath: ctx.manifestPath, pageTimeoutMs: PAGE_TIMEOUT_MS };
    w.send(m);
  });

  const deadline = t0 + ARRIVAL_MS + PAGE_TIMEOUT_MS + 5000;
  let lastReport = 0;
  while (done.length < PEERS && Date.now() < deadline) {
    await sleep(250);
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      const hits = ctx.log.length - logFrom;
      process.stdout.write(`  [${scenario}] t=${((Date.now() - t0) / 1000).toFixed(0)}s pages ${done.filter((d) => d.ok).length}/${PEERS} (${done.filter((d) => !d.ok).length} failed), origin requests ${hits}\n`);
    }
  }
  await sleep(1000); // late origin requests (e.g. a proxy still filling its cache) still count
  const hits = ctx.log.slice(logFrom);

  const proxy = { requests: 0, hits: 0, peerHits: 0, originFetches: 0, coalescedWaiters: 0 };
  for (const st of await Promise.all(seeds.map((s) => seedStatus(s).catch(() => null)))) {
    if (!st) continue;
    for (const k of Object.keys(proxy) as Array<keyof typeof proxy>) proxy[k] += Number(st.cache[k] ?? 0);
  }
  for (const w of workers) if (w.connected) w.send({ type: 'stop' } satisfies ToWorker);
  await Promise.all(workers.map((w) => exited(w, 15_000)));
  if (stopped < workers.length) process.stdout.write(`  [${scenario}] ${workers.length - stopped} worker(s) did not report their upload figures\n`);
  for (const s of seeds) s.child.kill('SIGTERM');
  await Promise.all(seeds.map((s) => exited(s.child, 10_000)));
  return { scenario, t0, done, hits, uploadedBytes, proxy, wallSeconds: (Date.now() - started) / 1000 };
}

// ---- reporting --------------------------------------------------------------------------------------------------
interface Summary {
  scenario: Scenario;
  completed: number;
  failed: number;
  originRequests: number;
  originManifestRequests: number;
  originPeakPerSecond: number;
  originMiB: number;
  bytes: { peer: number; seed: number; origin: number };
  p50: number;
  p90: number;
  p99: number;
  uploadedMiB: number;
  proxy: ScenarioResult['proxy'];
}

function perSecond(r: ScenarioResult): { origin: number[]; completed: number[] } {
  const lastT = Math.max(r.t0 + ARRIVAL_MS, ...r.done.map((d) => d.endMs), ...r.hits.map((h) => h.t));
  const n = Math.max(1, Math.floor((lastT - r.t0) / 1000) + 1);
  const origin = new Array<number>(n).fill(0);
  const completed = new Array<number>(n).fill(0);
  for (const h of r.hits) if (h.t >= r.t0) origin[Math.min(n - 1, Math.floor((h.t - r.t0) / 1000))]++;
  for (const d of r.done) if (d.ok) completed[Math.min(n - 1, Math.max(0, Math.floor((d.endMs - r.t0) / 1000)))]++;
  return { origin, completed };
}

function summarize(r: ScenarioResult): Summary {
  const ok = r.done.filter((d) => d.ok);
  const lat = ok.map((d) => d.endMs - d.startMs);
  const bytes = { peer: 0, seed: 0, origin: 0 };
  for (const d of ok) {
    bytes.peer += d.source.peer;
    bytes.seed += d.source.seed;
    bytes.origin += d.source.origin;
  }
  return {
    scenario: r.scenario,
    completed: ok.length,
    failed: PEERS - ok.length,
    originRequests: r.hits.length,
    originManifestRequests: r.hits.filter((h) => h.path === '/.well-known/reef.json').length,
    originPeakPerSecond: Math.max(0, ...perSecond(r).origin),
    originMiB: r.hits.reduce((s, h) => s + h.bytes, 0) / 2 ** 20,
    bytes,
    p50: percentile(lat, 50),
    p90: percentile(lat, 90),
    p99: percentile(lat, 99),
    uploadedMiB: r.uploadedBytes / 2 ** 20,
    proxy: r.proxy,
  };
}

const pct = (x: number, total: number) => (total ? ((100 * x) / total).toFixed(1) + '%' : '–');
const ms = (x: number) => (Number.isNaN(x) ? '–' : (x / 1000).toFixed(2) + ' s');

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'reef-flash-crowd-'));
  workDir = work;
  try {
    const siteDir = join(work, 'site');
    await writeDemoSite(siteDir, 12);
    await writeFile(join(siteDir, 'img', 'banner.bmp'), bmpPhoto(1000, 500)); // a second chunked object
    const log: OriginHit[] = [];
    const origin = await startOrigin(siteDir, '127.0.0.1', 0, 'localhost');
    const { manifest, output: manifestPath } = await generateManifest({ dir: siteDir, origin: origin.url, cachePath: join(work, 'hash-cache.json') });
    // The origin's own log, with a time: every request it receives, and the body bytes of those answered 200
    // (the demo origin answers every GET with the whole file).
    const sizes = new Map(Object.entries(manifest.objects).map(([p, o]) => [p, o.size]));
    sizes.set('/.well-known/reef.json', (await stat(manifestPath)).size);
    origin.server.on('request', (req, res) => {
      const hit: OriginHit = { t: Date.now(), path: new URL(req.url ?? '/', 'http://x').pathname, bytes: 0 };
      log.push(hit);
      res.on('finish', () => (hit.bytes = res.statusCode === 200 && req.method === 'GET' ? (sizes.get(hit.path) ?? 0) : 0));
    });
    const objects = Object.values(manifest.objects);
    const pageBytes = objects.reduce((s, o) => s + o.size, 0);
    const chunked = objects.filter((o) => o.chunks).length;
    process.stdout.write(
      `flash crowd: ${PEERS} visitors over ${ARRIVAL_MS / 1000} s, ${SEEDS} seeds, ${WORKERS} worker processes; page = ${objects.length} objects (${chunked} chunked), ${(pageBytes / 2 ** 20).toFixed(2)} MiB\n`,
    );

    const results: ScenarioResult[] = [];
    for (const scenario of RUN) {
      process.stdout.write(`scenario ${scenario}: ${SCENARIO_LABEL[scenario]}\n`);
      results.push(await runScenario(scenario, { originUrl: origin.url, manifestPath, work, log }));
    }
    await origin.close();

    const summaries = results.map(summarize);
    const series = Object.fromEntries(SCENARIOS.map((s) => [s, [] as number[]])) as Record<Scenario, number[]>;
    const csv = ['second,scenario,origin_requests,completed_peers,completed_total'];
    for (const r of results) {
      const ps = perSecond(r);
      series[r.scenario] = ps.origin;
      let total = 0;
      ps.origin.forEach((o, t) => csv.push(`${t},${r.scenario},${o},${ps.completed[t]},${(total += ps.completed[t])}`));
    }
    const sumCsv = [
      'scenario,peers,seeds,arrival_seconds,completed,failed,origin_requests,origin_manifest_requests,origin_peak_rps,origin_mib,bytes_peer,bytes_seed,bytes_origin,share_peer,share_seed,share_origin,p50_ms,p90_ms,p99_ms,peer_upload_mib,proxy_requests,proxy_hits,proxy_peer_hits,proxy_origin_fetches',
      ...summaries.map((s) => {
        const tot = s.bytes.peer + s.bytes.seed + s.bytes.origin;
        const share = (x: number) => (tot ? (x / tot).toFixed(4) : '');
        return [
          s.scenario, PEERS, s.scenario === 'origin' ? 0 : SEEDS, ARRIVAL_MS / 1000, s.completed, s.failed, s.originRequests, s.originManifestRequests, s.originPeakPerSecond,
          s.originMiB.toFixed(2), s.bytes.peer, s.bytes.seed, s.bytes.origin, share(s.bytes.peer), share(s.bytes.seed), share(s.bytes.origin),
          Math.round(s.p50), Math.round(s.p90), Math.round(s.p99), s.uploadedMiB.toFixed(2), s.proxy.requests, s.proxy.hits, s.proxy.peerHits, s.proxy.originFetches,
        ].join(',');
      }),
    ];
    const rows = summaries.map((s) => {
      const tot = s.bytes.peer + s.bytes.seed + s.bytes.origin;
      return [
        SCENARIO_LABEL[s.scenario], `${s.completed}/${PEERS}`, `${s.originRequests} (${s.originManifestRequests} manifest)`, s.originPeakPerSecond, s.originMiB.toFixed(1),
        `${pct(s.bytes.peer, tot)} / ${pct(s.bytes.seed, tot)} / ${pct(s.bytes.origin, tot)}`, `${ms(s.p50)} / ${ms(s.p90)} / ${ms(s.p99)}`,
      ];
    });
    const summaryTable = table(
      ['scenario', 'pages completed', 'origin requests', 'origin peak req/s', 'origin MiB sent', 'page bytes from peers / seeds / origin', 'page latency p50 / p90 / p99'],
      rows,
    );
    const title = `Origin requests per second: ${PEERS} visitors arriving over ${ARRIVAL_MS / 1000} s, ${SEEDS} seeds`;
    const out = argv.out!;
    writeResult(`${out}.csv`, csv.join('\n') + '\n');
    writeResult(`${out}-summary.csv`, sumCsv.join('\n') + '\n');
    writeResult(`${out}.svg`, originRequestsSvg(series, title));
    const md = [
      '# Flash crowd (Coral evaluation question 1)',
      '',
      `\`npx tsx bench/flash-crowd.ts --peers ${PEERS} --seeds ${SEEDS} --arrival-seconds ${ARRIVAL_MS / 1000} --workers ${WORKERS}\` on ${new Date().toISOString().slice(0, 10)}: ` +
        `${PEERS} visitors arrive at uniformly drawn times over ${ARRIVAL_MS / 1000} s at one page of ${objects.length} objects ` +
        `(${(pageBytes / 2 ** 20).toFixed(2)} MiB; ${chunked} objects over 1 MiB, fetched in 1 MiB chunks), each scenario with fresh \`reef seed\` processes and an origin that logs every request. ` +
        `Page latency runs from a visitor's arrival to its last object (six objects in flight at a time, like a browser's connections per host).`,
      '',
      summaryTable,
      `- Origin requests include the manifest (\`/.well-known/reef.json\`): in the Reef run every visitor's extension fetches it from the origin (discovery), and each seed proxy fetches it to verify what it caches.`,
      ...summaries
        .filter((s) => s.scenario !== 'origin')
        .map(
          (s) =>
            `- ${s.scenario}: seed proxies answered ${s.proxy.requests} requests (${s.proxy.hits} cache hits, ${s.proxy.peerHits} from another seed's cache, ${s.proxy.originFetches} fetches from the origin)` +
            (s.scenario === 'reef' ? `; peers uploaded ${s.uploadedMiB.toFixed(1)} MiB to each other.` : '.'),
        ),
      `- Wall time per scenario: ${results.map((r) => `${r.scenario} ${r.wallSeconds.toFixed(0)} s`).join(', ')}.`,
      '- Everything runs on one 2-core machine over loopback with no emulated latency or bandwidth limit, so the origin is never the bottleneck here: ' +
        'latencies compare the systems\' overheads (WebRTC set-up, verification, proxy hops), not a congested origin. The origin request counts are the point.',
      '',
      `Per-second series: \`${'flash-crowd.csv'}\`; plot: \`flash-crowd.svg\`; figures: \`flash-crowd-summary.csv\`.`,
      '',
    ].join('\n');
    writeResult(`${out}.md`, md);
    process.stdout.write('\n' + summaryTable);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
