// Benchmark for issue #2: `reef manifest` over a 1 GiB tree of 2,000 files (4 KiB to 64 MiB) against
// `openssl dgst -sha256` over the same files, and chunk verification against raw node:crypto SHA-256.
// Run: npx tsx bench/manifest.ts   (writes bench/results/manifest.md)
import { createHash, randomFillSync } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSri, type ManifestObject } from '../shared/manifest';
import { verifyChunk } from '../shared/manifest/verify';
import { median, mulberry32, table, timeCommand, writeResult } from './support';

const ROOT = join(import.meta.dirname, 'tmp', 'site-1g');
const FILES = 2000;
const TOTAL = 2 ** 30;
const MIN = 4 * 1024;
const MAX = 64 * 2 ** 20;
const RUNS = Number(process.env.RUNS ?? 3);

/** Sizes log-distributed between MIN and MAX, skewed so they sum to ~1 GiB; always one MIN and one MAX file. */
function fileSizes(): number[] {
  const rng = mulberry32(42);
  const u = Array.from({ length: FILES - 2 }, rng);
  const sizesFor = (p: number) => u.map((x) => Math.round(MIN * (MAX / MIN) ** x ** p));
  let lo = 1, hi = 50;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    const sum = sizesFor(mid).reduce((a, b) => a + b, MIN + MAX);
    if (sum > TOTAL) lo = mid;
    else hi = mid;
  }
  return [MIN, MAX, ...sizesFor(hi)];
}

function ensureTree(sizes: number[]): string[] {
  const paths = sizes.map((_, i) => join(ROOT, `d${i % 20}`, `f${i}.bin`));
  const marker = join(ROOT, '.complete');
  if (existsSync(marker)) return paths;
  rmSync(ROOT, { recursive: true, force: true });
  const buf = Buffer.allocUnsafe(MAX);
  randomFillSync(buf);
  sizes.forEach((size, i) => {
    mkdirSync(join(ROOT, `d${i % 20}`), { recursive: true });
    buf.writeUInt32LE(i, 0); // distinct contents
    writeFileSync(paths[i], buf.subarray(0, size));
  });
  writeFileSync(marker, '');
  return paths;
}

function chunkVerifyRunners() {
  const chunkSize = 1 << 20;
  const data = randomFillSync(Buffer.allocUnsafe(256 * chunkSize));
  const chunks = Array.from({ length: 256 }, (_, i) => formatSri(createHash('sha256').update(data.subarray(i * chunkSize, (i + 1) * chunkSize)).digest()));
  const entry: ManifestObject = { size: data.length, type: 'application/octet-stream', integrity: chunks[0], chunkSize, chunks };
  const rawRun = () => {
    const t0 = performance.now();
    for (let i = 0; i < 256; i++) createHash('sha256').update(data.subarray(i * chunkSize, (i + 1) * chunkSize)).digest();
    return data.length / ((performance.now() - t0) / 1000);
  };
  const reefRun = async () => {
    const t0 = performance.now();
    for (let i = 0; i < 256; i++) if (!(await verifyChunk(data.subarray(i * chunkSize, (i + 1) * chunkSize), entry, i))) throw new Error('verify failed');
    return data.length / ((performance.now() - t0) / 1000);
  };
  return { rawRun, reefRun };
}

async function main() {
  const sizes = fileSizes();
  const paths = ensureTree(sizes);
  const bytes = paths.reduce((s, p) => s + statSync(p).size, 0);
  console.log(`tree: ${paths.length} files, ${(bytes / 2 ** 30).toFixed(3)} GiB, ${Math.min(...sizes)}..${Math.max(...sizes)} bytes`);
  timeCommand('openssl', ['dgst', '-sha256', ...paths]); // warm the page cache

  const openssl: number[] = [];
  const reef: number[] = [];
  const reefWarm: number[] = [];
  const cache = join(ROOT, '..', 'bench-cache.json');
  for (let i = 0; i < RUNS; i++) {
    openssl.push(timeCommand('openssl', ['dgst', '-sha256', ...paths]));
    rmSync(cache, { force: true });
    reef.push(timeCommand(process.execPath, ['bin/reef.js', 'manifest', ROOT, '--origin', 'https://bench.example', '--cache', cache, '--output', join(ROOT, '..', 'bench-manifest.json'), '-q']));
    reefWarm.push(timeCommand(process.execPath, ['bin/reef.js', 'manifest', ROOT, '--origin', 'https://bench.example', '--cache', cache, '--output', join(ROOT, '..', 'bench-manifest.json'), '-q']));
  }
  const startup = median(Array.from({ length: 3 }, () => timeCommand(process.execPath, ['bin/reef.js', '--help'])));

  const tp = chunkVerifyRunners();
  const raw: number[] = [];
  const ver: number[] = [];
  for (let i = 0; i < 5; i++) {
    raw.push(tp.rawRun());
    ver.push(await tp.reefRun());
  }

  const o = median(openssl), r = median(reef), w = median(reefWarm);
  const rawT = median(raw), verT = median(ver);
  const report =
    `# Manifest benchmark (issue #2)\n\n` +
    `Tree: ${paths.length} files, ${(bytes / 2 ** 30).toFixed(2)} GiB, sizes ${MIN} B to ${MAX} B (log-skewed, seed 42), page cache warm. ` +
    `Median of ${RUNS} runs on ${process.arch}, node ${process.version}.\n\n` +
    table(['what', 'seconds', 'ratio to openssl'], [
      ['openssl dgst -sha256 (baseline, one process)', o.toFixed(3), '1.00'],
      ['reef manifest, full hash (whole + 1 MiB chunks)', r.toFixed(3), (r / o).toFixed(2)],
      ['reef manifest, incremental (nothing changed)', w.toFixed(3), (w / o).toFixed(2)],
      ['reef CLI start-up alone (reef --help)', startup.toFixed(3), (startup / o).toFixed(2)],
    ]) +
    `\nChunk verification (256 x 1 MiB chunks, in-process):\n\n` +
    table(['what', 'MB/s', 'ratio to raw'], [
      ['raw node:crypto SHA-256 (baseline)', (rawT / 1e6).toFixed(0), '1.00'],
      ['verifyChunk (shared/manifest)', (verT / 1e6).toFixed(0), (verT / rawT).toFixed(2)],
    ]);
  console.log('\n' + report);
  writeResult(join(import.meta.dirname, 'results', 'manifest.md'), report);
}

await main();
