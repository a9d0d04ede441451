// What a browser keeps and what it agrees to share: the IndexedDB cache across a browser restart, the
// "fetch but never serve" switch and the per-site switch as seen by another browser, and the cache quota.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onCleanup, track } from './support/cleanup';
import { readSiteManifest } from '../../peer/seed-site';
import { launchReefBrowser, type ReefBrowser } from './support/browser';
import { startOrigin, type Origin } from './support/origin';
import { galleryPage, imagesSettled, mostHoldersDuring, noisePng, shownImages, sri, waitForHolders, waitForNoHolders } from './support/site';
import { startTracker } from './support/tracker';


async function visit(b: ReefBrowser, origin: Origin, path: string) {
  const page = await b.ctx.newPage();
  await page.goto(origin.url + '/start.html');
  await b.siteReady(origin.url);
  const from = origin.log.length;
  await page.goto(origin.url + path);
  await imagesSettled(page);
  return { page, requestsSince: () => origin.log.slice(from) };
}

const onePicture = () => {
  const png = noisePng(50_000);
  return { png, files: { 'index.html': galleryPage(['/pic.png']), 'start.html': '<!doctype html>', 'pic.png': png } };
};

describe('the cache', { timeout: 60_000 }, () => {
  it('survives a browser restart: the same profile shows the page with no origin request for its images', async () => {
    const { png, files } = onePicture();
    const origin = await track(startOrigin(files));
    const profileDir = await mkdtemp(join(tmpdir(), 'reef-profile-'));
    onCleanup(() => rm(profileDir, { recursive: true, force: true }));
    const first = await launchReefBrowser({}, { profileDir });
    await visit(first, origin, '/index.html');
    expect(origin.hits('/pic.png')).toHaveLength(1);
    await first.close();

    const again = await track(launchReefBrowser({}, { profileDir }));
    const v = await visit(again, origin, '/index.html');
    const [shown] = await shownImages(v.page);
    expect(shown.integrity).toBe(sri(png));
    expect(v.requestsSince().filter((r) => r.path === '/pic.png')).toEqual([]);
    const tally = await again.sw.evaluate((id) => (globalThis as any).reef.tabTally(id), await again.tabIdOf(origin.url));
    expect(tally).toMatchObject({ cache: png.length, origin: 0, peer: 0 });
  });
});

describe('what a browser shares', { timeout: 60_000 }, () => {
  // A (the would-be holder) loads the page first; `whileAHolds` runs once A has the object verified and stored,
  // i.e. once A would have announced it if it shares. Each refusal case below also checks that the tracker saw
  // what it should (so B's origin fetch is not just B having arrived before A's announcement).
  async function holderAndFetcher(holderOptions: Record<string, unknown>, whileAHolds: (ctx: { A: ReefBrowser; origin: Origin; trackerUrl: string; integrity: string }) => Promise<void>) {
    const t = await startTracker();
    onCleanup(t.stop);
    const { png, files } = onePicture();
    const origin = await track(startOrigin(files));
    const integrity = (await readSiteManifest(origin.dir)).objects['/pic.png'].integrity;
    const A = await track(launchReefBrowser({ trackers: [t.url], ...holderOptions }));
    await visit(A, origin, '/index.html');
    await expect.poll(async () => (await A.figures()).engine.objectsFetched, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await whileAHolds({ A, origin, trackerUrl: t.url, integrity });
    const B = await track(launchReefBrowser({ trackers: [t.url] }));
    const b = await visit(B, origin, '/index.html');
    const [shown] = await shownImages(b.page);
    expect(shown.integrity).toBe(sri(png));
    return { t, A, B, b, integrity, png, origin };
  }

  it('a browser set to "fetch but never serve" announces nothing and uploads nothing; the other gets the origin bytes', async () => {
    const { A, B, png } = await holderAndFetcher({ neverServe: true }, async ({ trackerUrl, integrity }) => {
      // A sharing browser is listed within ~100 ms of this point (the control below waits for exactly that).
      expect(await mostHoldersDuring(trackerUrl, integrity, 1_500)).toBe(0);
    });
    expect((await A.figures()).engine.uploadedBytes).toBe(0);
    expect((await B.figures()).engine.downloaded).toMatchObject({ peer: 0, origin: png.length });
  });

  it('a holder whose monthly upload volume is used up refuses the request; the other browser gets the origin bytes', async () => {
    const { A, B, png } = await holderAndFetcher({ uploadBytesPerMonth: 10_000 }, async ({ trackerUrl, integrity }) => {
      await waitForHolders(trackerUrl, integrity, 1); // the cap is per request: A is listed and asked
    });
    expect(png.length).toBeGreaterThan(10_000);
    const a = (await A.figures()).engine;
    expect(a.uploadedBytes).toBe(0);
    expect(a.rejectsSent['over-cap']).toBeGreaterThanOrEqual(1);
    expect((await B.figures()).engine.downloaded).toMatchObject({ peer: 0, origin: png.length });
  });

  it('a site switched off in the holder is withdrawn from the tracker and not served to peers any more', async () => {
    const { A, B, png } = await holderAndFetcher({}, async ({ A, origin, trackerUrl, integrity }) => {
      await waitForHolders(trackerUrl, integrity, 1);
      await A.sw.evaluate((o) => (globalThis as any).reef.saveOptions({ disabledSites: [o] }), origin.url);
      await waitForNoHolders(trackerUrl, integrity);
    });
    expect((await A.figures()).engine.uploadedBytes).toBe(0);
    expect((await B.figures()).engine.downloaded).toMatchObject({ peer: 0, origin: png.length });
  });

  it('control: with sharing on, the same setup does go peer to peer', async () => {
    const { t, A, B, integrity, png } = await holderAndFetcher({}, async ({ trackerUrl, integrity }) => {
      await waitForHolders(trackerUrl, integrity, 1, 1_500); // the window the "never serve" case watches
    });
    await waitForHolders(t.url, integrity, 2); // B announces its copy too
    expect((await A.figures()).engine.uploadedBytes).toBe(png.length);
    expect((await B.figures()).engine.downloaded).toMatchObject({ peer: png.length, origin: 0 });
  });
});
