// Coral's evaluation questions 2-4 for Reef's index, in the simulator (virtual time, seeded):
//   2. Was clustering worth it?   same network and workload with clusters (60/20 ms) and without.
//   3. How well did clustering work?   clusters per level, region purity, where gets were answered.
//   4. Does the index get hot spots?   every node puts one key each minute; stores per node-minute
//      at the nodes nearest the key against Coral's bound, and RPC load per node.
// Writes bench/results/index-eval.md and bench/results/index-eval.svg.
// Run: npx tsx bench/index-eval.ts [--nodes 10000] [--seed 1]
import { mkdirSync, writeFileSync } from 'node:fs';
import { runSimulation, type SimReport } from '../shared/index/sim/scenario';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const nodes = arg('nodes', 10_000);
const seed = arg('seed', 1);
const OUT = new URL('./results/', import.meta.url);

async function measure(label: string, clustered: boolean): Promise<SimReport> {
  const c0 = process.cpuUsage();
  const r = await runSimulation({ nodes, seed, lookups: 2000, details: true, init: clustered ? {} : { rttThresholdsMs: [] } });
  const c = process.cpuUsage(c0);
  r.cpuSeconds = (c.user + c.system) / 1e6;
  process.stderr.write(`${label}: ${r.wallSeconds.toFixed(1)} s wall, ${r.cpuSeconds.toFixed(1)} s CPU\n`);
  return r;
}

const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
const f = (x: number, d = 2) => x.toFixed(d);

function cdfPath(values: number[], x0: number, y0: number, w: number, h: number, maxX: number): string {
  const v = [...values].sort((a, b) => a - b);
  return v.map((x, i) => `${i ? 'L' : 'M'}${(x0 + (Math.min(x, maxX) / maxX) * w).toFixed(1)},${(y0 + h - ((i + 1) / v.length) * h).toFixed(1)}`).join(' ');
}

function svg(withC: SimReport, without: SimReport): string {
  const W = 900;
  const H = 360;
  const pw = 380;
  const ph = 260;
  const maxLat = Math.max(percentile(withC.details!.latenciesMs, 0.99), percentile(without.details!.latenciesMs, 0.99), 1);
  const ranks = withC.details!.hotStoresPerMinByRank.slice(0, 40);
  const maxStores = Math.max(withC.rootStoreBound, ...ranks, 1);
  const bw = pw / ranks.length;
  const bars = ranks.map((s, i) => `<rect x="${(480 + i * bw).toFixed(1)}" y="${(40 + ph - (s / maxStores) * ph).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${((s / maxStores) * ph).toFixed(1)}" fill="#4a7"/>`).join('');
  const boundY = 40 + ph - (withC.rootStoreBound / maxStores) * ph;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="40" y="24" font-weight="bold">Get latency CDF (virtual ms), ${nodes} nodes</text>
<rect x="40" y="40" width="${pw}" height="${ph}" fill="none" stroke="#999"/>
<path d="${cdfPath(withC.details!.latenciesMs, 40, 40, pw, ph, maxLat)}" fill="none" stroke="#27c" stroke-width="2"/>
<path d="${cdfPath(without.details!.latenciesMs, 40, 40, pw, ph, maxLat)}" fill="none" stroke="#c52" stroke-width="2"/>
<text x="40" y="${40 + ph + 16}">0</text><text x="${40 + pw - 30}" y="${40 + ph + 16}">${maxLat.toFixed(0)} ms</text>
<text x="60" y="64" fill="#27c">with clusters (60/20 ms)</text><text x="60" y="80" fill="#c52">global level only</text>
<text x="480" y="24" font-weight="bold">Hot key: max stores per node-minute, nodes by distance to key</text>
<rect x="480" y="40" width="${pw}" height="${ph}" fill="none" stroke="#999"/>${bars}
<line x1="480" x2="${480 + pw}" y1="${boundY.toFixed(1)}" y2="${boundY.toFixed(1)}" stroke="#c22" stroke-dasharray="4 3"/>
<text x="${480 + pw - 170}" y="${(boundY - 4).toFixed(1)}" fill="#c22">Coral bound ${withC.rootStoreBound}/min</text>
<text x="480" y="${40 + ph + 16}">root</text><text x="${480 + pw - 60}" y="${40 + ph + 16}">rank ${ranks.length}</text>
</svg>
`;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] : 0;
}

const withC = await measure('clustered', true);
const without = await measure('global only', false);

const md = `# Coral index evaluation (issue #3), ${nodes} simulated nodes, seed ${seed}

Virtual time on the in-memory network: 3 regions 120 ms apart, nodes within a few ms of their
region. HMAC on every packet. Each run: joins, cluster settling, ${withC.lookups} gets of objects
announced by 3 random holders each, then every node puts one hot key once a minute for 2 minutes.
Measured ${new Date().toISOString().slice(0, 10)} on a shared 2-core machine
(clustered run: ${f(withC.wallSeconds, 1)} s wall, ${f(withC.cpuSeconds ?? 0, 1)} s CPU).

## 2. Was clustering worth it?

${row(['', 'with clusters (60/20 ms)', 'global level only'])}
${row(['---', '---', '---'])}
${row(['get latency mean (ms)', f(withC.getLatencyMsMean, 1), f(without.getLatencyMsMean, 1)])}
${row(['get latency p50 / p90 (ms)', `${f(withC.getLatencyMsP50, 1)} / ${f(withC.getLatencyMsP90, 1)}`, `${f(without.getLatencyMsP50, 1)} / ${f(without.getLatencyMsP90, 1)}`])}
${row(['hops mean / p99', `${f(withC.hopsMean)} / ${withC.hopsP99}`, `${f(without.hopsMean)} / ${without.hopsP99}`])}
${row(['get success rate', f(withC.getSuccessRate, 4), f(without.getSuccessRate, 4)])}
${row(['RPCs sent per node (whole run)', f(withC.rpcsPerNode, 1), f(without.rpcsPerNode, 1)])}

Clustering pays when a nearby holder exists: those gets end inside the 20 ms cluster. Gets for
objects held only far away walk the cluster levels first, so they take more hops and RPCs.

## 3. How well did clustering work?

${row(['measure', 'value'])}
${row(['---', '---'])}
${row(['clusters at levels 0 / 1 / 2', withC.clusters.join(' / ')])}
${row(['level-2 clusters whose members share one region (share of nodes)', f(withC.clusterRegionPurity, 3)])}
${row(['gets with a holder in the requester\'s level-2 cluster', withC.level2Eligible])}
${row(['... answered inside that cluster (level2HitRate)', f(withC.level2HitRate, 3)])}
${row(['gets answered at level 0 / 1 / 2', withC.answeredAtLevel.join(' / ')])}

## 4. Does the index itself get hot spots?

${row(['measure', 'value'])}
${row(['---', '---'])}
${row(['puts of the hot key per minute (all nodes)', nodes])}
${row(['max stores of the hot key on one node in any minute', withC.maxRootStoresPerMin])}
${row([`Coral's bound beta*(2^b-1)*ceil(log2 n / b), b = ${withC.bitsPerHop}`, withC.rootStoreBound])}
${row(['nodes that stored the hot key', withC.hotKeyHolders])}
${row(['RPCs received per minute in the hot phase (2.5 min): max / mean per node', `${f(withC.hotPhaseMaxRequestsPerNode / 2.5, 0)} / ${f(withC.hotPhaseMeanRequestsPerNode / 2.5, 1)}`])}

Put walks stop before nodes that are full (4 values with enough TTL) and loaded (more than 12
puts for the key in the last minute), so the nodes nearest the key see a trickle of stores while
the key spreads over many nodes. The nodes nearest the key still answer many put-walk RPCs (a
walk learns it must stop by asking): the busiest node's RPC rate above is the index's remaining
hot spot; Coral's bound caps the puts reaching the root, and the stores measured stay far below.
Plot: [index-eval.svg](index-eval.svg).
`;

mkdirSync(OUT, { recursive: true });
writeFileSync(new URL('index-eval.md', OUT), md);
writeFileSync(new URL('index-eval.svg', OUT), svg(withC, without));
process.stdout.write(md);
