// Two real headless Chromiums with the built extension, the real `reef tracker` process, a real origin, and a
// real `reef peer` engine in Node: objects travel between browsers over WebRTC, every byte verified.
import { describe, expect, it } from 'vitest';
import { onCleanup, track } from './support/cleanup';
import { MemoryChunkStore } from '../../shared/fetch/chunk-store';
import { createNodePeer } from '../../peer/node-peer';
import { readSiteManifest, seedSite } from '../../peer/seed-site';
import type { Manifest } from '../../shared/manifest';
import { launchReefBrowser, type ReefBrowser } from './support/browser';
import { startOrigin, type Origin } from './support/origin';
import { galleryPage, imagesSettled, noisePng, shownImages, sri, waitForHolders } from './support/site';
import { startSeed } from './support/seed';
import { startTracker } from './support/tracker';

const tracked = async () => {
  const t = await startTracker();
  onCleanup(t.stop);
  return t;
};

function gallery(n: number, bytes: number): { files: Record<string, Uint8Array | string>; images: string[] } {
  const images = Array.from({ length: n }, (_, i) => `/img/${i}.png`);
  const files: Record<string, Uint8Array | string> = { 'index.html': galleryPage(images), 'start.html': '<!doctype html><title>start</title>' };
  for (const p of images) files[p.slice(1)] = noisePng(bytes);
  return { files, images };
}

/** Browser loads the site's first page, then (rules and manifest ready) the page under test. */
async function visit(b: ReefBrowser, origin: Origin, path: string, opts: { fullMode?: boolean } = {}) {
  const page = await b.ctx.newPage();
  await page.goto(origin.url + '/start.html');
  if (!opts.fullMode) await b.siteReady(origin.url);
  const from = origin.log.length;
  await page.goto(origin.url + path);
  return { page, requestsSince: () => origin.log.slice(from) };
}

async function announced(trackerUrl: string, manifest: Manifest, paths: string[], holders = 1): Promise<void> {
  for (const p of paths) await waitForHolders(trackerUrl, manifest.objects[p].integrity, holders);
}

describe('browser to browser (default mode)', { timeout: 60_000 }, () => {
  it('B gets the listed images from A over WebRTC; the origin sees no request from B for them', async () => {
    const tracker = await tracked();
    const { files, images } = gallery(6, 40_000);
    const origin = await track(startOrigin(files));
    const manifest = await readSiteManifest(origin.dir);
    const A = await track(launchReefBrowser({ trackers: [tracker.url] }));
    const a = await visit(A, origin, '/index.html');
    await imagesSettled(a.page);
    await announced(tracker.url, manifest, images);

    const B = await track(launchReefBrowser({ trackers: [tracker.url] }));
    const b = await visit(B, origin, '/index.html');
    await imagesSettled(b.page);
    const shown = await shownImages(b.page);
    expect(shown.map((s) => s.integrity)).toEqual(images.map((p) => sri(files[p.slice(1)] as Uint8Array)));
    expect(shown.every((s) => s.width > 0)).toBe(true);
    expect(b.requestsSince().filter((r) => r.path.startsWith('/img/'))).toEqual([]);
    const total = images.reduce((n, p) => n + manifest.objects[p].size, 0);
    expect(await B.sw.evaluate((id) => (globalThis as any).reef.tabTally(id), await B.tabIdOf(origin.url))).toMatchObject({ peer: total, origin: 0 });
    expect((await A.figures()).engine.uploadedBytes).toBe(total);
  });

  it('A closing mid-transfer: B completes from the origin and shows the right bytes', async () => {
    const tracker = await tracked();
    const big = noisePng(12 * 1024 * 1024);
    const origin = await track(startOrigin({ 'index.html': galleryPage(['/big.png']), 'start.html': '<!doctype html>', 'big.png': big }));
    const manifest = await readSiteManifest(origin.dir);
    expect(manifest.objects['/big.png'].chunks!.length).toBeGreaterThan(4);
    const A = await track(launchReefBrowser({ trackers: [tracker.url] }));
    const a = await visit(A, origin, '/index.html');
    await imagesSettled(a.page);
    await announced(tracker.url, manifest, ['/big.png']);

    const B = await track(launchReefBrowser({ trackers: [tracker.url] }));
    const b = await visit(B, origin, '/index.html');
    // Close A as soon as B has verified bytes from it.
    const deadline = Date.now() + 15_000;
    while ((await B.figures()).engine.downloaded.peer === 0) {
      if (Date.now() > deadline) throw new Error('B never got a chunk from A');
      await new Promise((r) => setTimeout(r, 20));
    }
    await A.close();
    await imagesSettled(b.page, 30_000);
    const [shown] = await shownImages(b.page);
    expect(shown.integrity).toBe(sri(big));
    expect(shown.width).toBeGreaterThan(0);
    const got = (await B.figures()).engine.downloaded;
    expect(got.peer).toBeGreaterThan(0);
    expect(got.origin).toBeGreaterThan(0);
    expect(got.peer + got.origin).toBe(big.length);
    // The origin served only the rest, to Reef's engine (ranged, cookie-free), never the page's own request.
    const bigHits = b.requestsSince().filter((r) => r.path === '/big.png');
    expect(bigHits.length).toBeGreaterThan(0);
    for (const r of bigHits) expect(r.dest).toBe('empty');
  });
});

describe('full mode (debugger permission granted)', { timeout: 60_000 }, () => {
  it('serves scripts, styles, JSON fetches and images from the peer: zero origin requests for listed objects', async () => {
    const tracker = await tracked();
    const files: Record<string, Uint8Array | string> = {
      'start.html': '<!doctype html><title>start</title>',
      'index.html':
        '<!doctype html><title>x</title><link rel="stylesheet" href="/css/site.css"><script src="/js/app.js"></script>' +
        '<img id="logo" src="/img/logo.png"><script>fetch("/data/info.json").then((r) => r.json()).then((j) => { document.title = j.title; })</script>',
      'css/site.css': 'body { color: rgb(1, 2, 3) }',
      'js/app.js': 'window.appRan = "yes";',
      'img/logo.png': noisePng(30_000),
      'data/info.json': JSON.stringify({ title: 'from json' }),
    };
    const listed = ['/css/site.css', '/js/app.js', '/img/logo.png', '/data/info.json'];
    const origin = await track(startOrigin(files));
    const manifest = await readSiteManifest(origin.dir);
    const A = await track(launchReefBrowser({ trackers: [tracker.url], fullMode: true }, { debuggerGranted: true }));
    const a = await visit(A, origin, '/index.html', { fullMode: true });
    await a.page.waitForFunction(() => document.title === 'from json');
    await announced(tracker.url, manifest, listed);

    const B = await track(launchReefBrowser({ trackers: [tracker.url], fullMode: true }, { debuggerGranted: true }));
    const b = await visit(B, origin, '/index.html', { fullMode: true });
    await b.page.waitForFunction(() => document.title === 'from json');
    expect(await b.page.evaluate(() => (window as any).appRan)).toBe('yes');
    expect(await b.page.evaluate(() => getComputedStyle(document.body).color)).toBe('rgb(1, 2, 3)');
    expect(await b.page.evaluate(() => (document.getElementById('logo') as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    const sinceB = b.requestsSince().map((r) => r.path);
    for (const p of listed) expect(sinceB).not.toContain(p);
    const total = listed.reduce((n, p) => n + manifest.objects[p].size, 0);
    expect(await B.sw.evaluate((id) => (globalThis as any).reef.tabTally(id), await B.tabIdOf(origin.url))).toMatchObject({ peer: total, origin: 0 });
  });
});

describe('a reef peer (Node) and a browser', { timeout: 60_000 }, () => {
  it('a reef peer seeding the site serves a browser over WebRTC', async () => {
    const tracker = await tracked();
    const { files, images } = gallery(4, 30_000);
    const origin = await track(startOrigin(files));
    const manifest = await readSiteManifest(origin.dir);
    const peer = await createNodePeer({ trackerUrl: tracker.url, bindAddress: '127.0.0.1' });
    onCleanup(peer.stop);
    const report = await seedSite(peer.engine, origin.dir, manifest);
    expect(report.problems).toEqual([]);
    await announced(tracker.url, manifest, images);

    const B = await track(launchReefBrowser({ trackers: [tracker.url] }));
    const b = await visit(B, origin, '/index.html');
    await imagesSettled(b.page);
    const shown = await shownImages(b.page);
    expect(shown.map((s) => s.integrity)).toEqual(images.map((p) => sri(files[p.slice(1)] as Uint8Array)));
    expect(b.requestsSince().filter((r) => r.path.startsWith('/img/'))).toEqual([]);
    const total = images.reduce((n, p) => n + manifest.objects[p].size, 0);
    expect(peer.engine.stats().uploadedBytes).toBe(total);
  });

  it('a peer serving corrupted bytes is caught; the page still shows the publisher’s bytes', async () => {
    const tracker = await tracked();
    const { files, images } = gallery(1, 30_000);
    const origin = await track(startOrigin(files));
    const manifest = await readSiteManifest(origin.dir);
    // A store that flips one byte of everything it hands out: the liar believes its own copy, peers must not.
    class LyingStore extends MemoryChunkStore {
      override async getChunk(integrity: string, index: number) {
        const real = await super.getChunk(integrity, index);
        if (!real) return real;
        const bad = real.slice();
        bad[bad.length >> 1] ^= 0xff;
        return bad;
      }
    }
    const liar = await createNodePeer({ trackerUrl: tracker.url, bindAddress: '127.0.0.1', store: new LyingStore() });
    onCleanup(liar.stop);
    await seedSite(liar.engine, origin.dir, manifest);
    await announced(tracker.url, manifest, images);

    const B = await track(launchReefBrowser({ trackers: [tracker.url] }));
    const b = await visit(B, origin, '/index.html');
    await imagesSettled(b.page);
    const shown = await shownImages(b.page);
    expect(shown.map((s) => s.integrity)).toEqual(images.map((p) => sri(files[p.slice(1)] as Uint8Array)));
    expect(shown.every((s) => s.width > 0)).toBe(true);
    const stats = (await B.figures()).engine;
    expect(stats.badChunks + stats.badPeers, JSON.stringify({ stats, liar: liar.engine.stats() })).toBeGreaterThan(0);
    expect(stats.downloaded.peer).toBe(0);
    expect(liar.engine.stats().chunksServed).toBeGreaterThan(0);
  });
});

describe('a real `reef seed`', { timeout: 60_000 }, () => {
  it('with no peer holding the object, the browser gets it through the seed’s proxy, verified', async () => {
    const seed = await track(startSeed());
    const png = noisePng(40_000);
    const origin = await track(startOrigin({ 'index.html': galleryPage(['/pic.png']), 'start.html': '<!doctype html>', 'pic.png': png }));
    const B = await track(launchReefBrowser({ trackers: [seed.tracker], seeds: [seed.zoneBase] }));
    const b = await visit(B, origin, '/index.html');
    await imagesSettled(b.page);
    const [shown] = await shownImages(b.page);
    expect(shown.integrity).toBe(sri(png));
    expect((await B.figures()).engine.downloaded).toMatchObject({ peer: 0, seed: png.length, origin: 0 });
    // The origin was asked once, by the seed's proxy (it adds Via), never by the browser itself.
    const hits = b.requestsSince().filter((r) => r.path === '/pic.png');
    expect(hits.length).toBe(1);
    expect(hits[0].via).toBeTruthy();
  });

  it('A closing mid-transfer: B completes from the seed', async () => {
    const seed = await track(startSeed());
    const big = noisePng(8 * 1024 * 1024);
    const origin = await track(startOrigin({ 'index.html': galleryPage(['/big.png']), 'start.html': '<!doctype html>', 'big.png': big }));
    const manifest = await readSiteManifest(origin.dir);
    const A = await track(launchReefBrowser({ trackers: [seed.tracker] }));
    const a = await visit(A, origin, '/index.html');
    await imagesSettled(a.page);
    await announced(seed.tracker, manifest, ['/big.png']);

    const B = await track(launchReefBrowser({ trackers: [seed.tracker], seeds: [seed.zoneBase] }));
    const b = await visit(B, origin, '/index.html');
    const deadline = Date.now() + 15_000;
    while ((await B.figures()).engine.downloaded.peer === 0) {
      if (Date.now() > deadline) throw new Error('B never got a chunk from A');
      await new Promise((r) => setTimeout(r, 20));
    }
    await A.close();
    await imagesSettled(b.page, 30_000);
    const [shown] = await shownImages(b.page);
    expect(shown.integrity).toBe(sri(big));
    const got = (await B.figures()).engine.downloaded;
    expect(got.peer).toBeGreaterThan(0);
    expect(got.seed).toBeGreaterThan(0);
    expect(got.origin).toBe(0);
    expect(got.peer + got.seed).toBe(big.length);
  });
});
