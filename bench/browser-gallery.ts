// Time until all images of a 50-image page show: served by peers through Reef vs straight from the origin.
//   npx tsx bench/browser-gallery.ts [images=50] [KB per image=40] [runs=3]
// Origin: a plain headless Chromium (no extension) loads the page. Reef: browser A has loaded the page before
// (its cache holds the images and it announced them); a fresh browser B with the extension, which already knows
// the site's manifest (it visited another page of the site), loads the page. Timed from navigation start until
// every <img> is complete and decoded, polled every 10 ms; a fresh browser for every run.
import { readSiteManifest } from '../peer/seed-site';
import { launchChromium } from '../test/support/chromium';
import { median, table, writeResult } from './support';
import { buildExtensionIfStale, galleryPage, launchReefBrowser, noisePng, startOrigin, startTracker, waitForHolders } from './browser-support';
import type { Page } from 'playwright-core';

const count = Number(process.argv[2] ?? 50);
const kb = Number(process.argv[3] ?? 40);
const runs = Number(process.argv[4] ?? 3);

async function timeGallery(page: Page, url: string): Promise<number> {
  const t0 = performance.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => document.images.length > 0 && [...document.images].every((i) => i.complete && i.naturalWidth > 0), null, { polling: 10, timeout: 60_000 });
  return performance.now() - t0;
}

async function main(): Promise<void> {
  console.log(await buildExtensionIfStale());
  const tracker = await startTracker();
  const paths = Array.from({ length: count }, (_, i) => `/img/${i}.png`);
  const files: Record<string, Uint8Array | string> = { 'index.html': galleryPage(paths), 'start.html': '<!doctype html><title>start</title>' };
  for (const p of paths) files[p.slice(1)] = noisePng(kb * 1024);
  const origin = await startOrigin(files);
  const manifest = await readSiteManifest(origin.dir);
  const totalBytes = paths.reduce((n, p) => n + manifest.objects[p].size, 0);
  const originMs: number[] = [];
  const reefMs: number[] = [];
  const reefSources: string[] = [];
  const A = await launchReefBrowser({ trackers: [tracker.url], uploadBytesPerSec: 1e12 });
  try {
    const pa = await A.ctx.newPage();
    await pa.goto(origin.url + '/start.html');
    await A.siteReady(origin.url);
    await timeGallery(pa, origin.url + '/index.html');
    for (const p of paths) await waitForHolders(tracker.url, manifest.objects[p].integrity, 1);

    for (let r = 0; r < runs; r++) {
      const plain = await launchChromium();
      originMs.push(await timeGallery(await plain.ctx.newPage(), origin.url + '/index.html'));
      await plain.close();

      const B = await launchReefBrowser({ trackers: [tracker.url] });
      const pb = await B.ctx.newPage();
      await pb.goto(origin.url + '/start.html');
      await B.siteReady(origin.url);
      reefMs.push(await timeGallery(pb, origin.url + '/index.html'));
      const tally = await B.sw.evaluate((id) => (globalThis as any).reef.tabTally(id), await B.tabIdOf(origin.url));
      reefSources.push(`${(tally.peer / 1024).toFixed(0)} / ${(tally.origin / 1024).toFixed(0)}`);
      console.log(`run ${r + 1}: origin ${originMs[r].toFixed(0)} ms, reef ${reefMs[r].toFixed(0)} ms (KiB peer/origin ${reefSources[r]})`);
      await B.close();
    }
  } finally {
    await A.close();
    await origin.close();
    await tracker.stop();
  }
  writeResult(
    'bench/results/browser-gallery.md',
    `# Time until all ${count} images show (${(totalBytes / 1024 / 1024).toFixed(1)} MiB, ~${kb} KiB each)\n\n` +
      `Headless Chromium 156, loopback origin (node:http), real \`reef tracker\`, one 2-core machine. Origin = plain Chromium, no ` +
      `extension. Reef = fresh browser with the extension in default mode (blocked image requests, verified bytes as blob: URLs); ` +
      `browser A holds every image. Fresh browsers every run.\n\n` +
      table(
        ['run', 'origin ms', 'reef ms', 'reef KiB from peer / origin'],
        originMs.map((o, i) => [i + 1, o.toFixed(0), reefMs[i].toFixed(0), reefSources[i]]),
      ) +
      `\nmedian: origin ${median(originMs).toFixed(0)} ms, reef ${median(reefMs).toFixed(0)} ms\n`,
  );
}

await main();
