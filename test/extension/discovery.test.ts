// One real headless Chromium with the built extension and a real origin: opt-in discovery, negative caching,
// no credentials on Reef's own requests, default-mode serving and the per-site switch, the cache across a restart.
import { describe, expect, it } from 'vitest';
import { track } from './support/cleanup';
import { formatBytes } from '../../extension/shared/format';
import { launchReefBrowser, type ReefBrowser } from './support/browser';
import { startOrigin, type Origin } from './support/origin';
import { galleryPage, imagesSettled, noisePng, shownImages, sri } from './support/site';


const IMAGES = ['/img/a.png', '/img/b.png', '/img/c.png'];
function gallerySite(): Record<string, Uint8Array | string> {
  const files: Record<string, Uint8Array | string> = { 'index.html': galleryPage(IMAGES), 'start.html': '<!doctype html><title>start</title>' };
  for (const p of IMAGES) files[p.slice(1)] = noisePng(20_000);
  return files;
}

const manifestHits = (o: Origin) => o.hits('/.well-known/reef.json').length;

describe('opt-in discovery', { timeout: 60_000 }, () => {
  it('asks a site without a manifest once, remembers the "no", and leaves its pages alone', async () => {
    const origin = await track(startOrigin(gallerySite(), { manifest: false }));
    const b = await track(launchReefBrowser({}));
    const page = await b.ctx.newPage();
    for (let i = 0; i < 3; i++) {
      await page.goto(origin.url + '/index.html');
      await imagesSettled(page);
    }
    expect(manifestHits(origin)).toBe(1);
    const shown = await shownImages(page);
    expect(shown.every((s) => s.width > 0 && !s.src.startsWith('blob:'))).toBe(true);
    const d = await b.sw.evaluate((o) => (globalThis as any).reef.cachedDiscovery(o), origin.url);
    expect(d).toMatchObject({ manifest: null, reason: 'http 404' });
  });

  it('treats an invalid manifest as no manifest (negative-cached too)', async () => {
    const origin = await track(startOrigin({ ...gallerySite(), '.well-known/reef.json': '{"version": 1, "origin": "nope"}' }, { manifest: false }));
    const b = await track(launchReefBrowser({}));
    const page = await b.ctx.newPage();
    await page.goto(origin.url + '/index.html');
    await page.goto(origin.url + '/start.html');
    await page.goto(origin.url + '/index.html');
    await imagesSettled(page);
    expect(manifestHits(origin)).toBe(1);
    const d = await b.sw.evaluate((o) => (globalThis as any).reef.cachedDiscovery(o), origin.url);
    expect(d.manifest).toBeNull();
    expect(d.reason).toMatch(/^invalid manifest: /);
    expect((await shownImages(page)).every((s) => s.width > 0)).toBe(true);
  });

  it('never sends cookies with the manifest request or with Reef fetches, while the page itself still sends them', async () => {
    const origin = await track(startOrigin(gallerySite()));
    const b = await track(launchReefBrowser({}));
    await b.ctx.addCookies([{ name: 'session', value: 'secret', url: origin.url }]);
    const page = await b.ctx.newPage();
    await page.goto(origin.url + '/start.html');
    await b.siteReady(origin.url);
    await page.goto(origin.url + '/index.html');
    await imagesSettled(page);
    expect(origin.hits('/start.html')[0].cookie).toBe('session=secret');
    expect(origin.hits('/.well-known/reef.json').map((r) => r.cookie)).toEqual([undefined]);
    // Every image was fetched once, by Reef's engine (no referrer, not an image-destination request), cookie-free.
    for (const p of IMAGES) expect(origin.hits(p).map((r) => ({ cookie: r.cookie, dest: r.dest, referer: r.referer }))).toEqual([{ cookie: undefined, dest: 'empty', referer: undefined }]);
  });
});

describe('default mode, one browser', { timeout: 60_000 }, () => {
  it('serves listed images as verified bytes, with no duplicate origin request, and from the cache next time', async () => {
    const files = gallerySite();
    const origin = await track(startOrigin(files));
    const b = await track(launchReefBrowser({}));
    const page = await b.ctx.newPage();
    await page.goto(origin.url + '/start.html'); // discovery happens on the first page of the site
    await b.siteReady(origin.url);
    await page.goto(origin.url + '/index.html');
    await imagesSettled(page);
    let shown = await shownImages(page);
    for (const [i, p] of IMAGES.entries()) {
      expect(shown[i].src.startsWith('blob:')).toBe(true);
      expect(shown[i].width).toBeGreaterThan(0);
      expect(shown[i].integrity).toBe(sri(files[p.slice(1)] as Uint8Array));
      // Once, by Reef's engine (no Sec-Fetch-Dest: image): the page's own request was blocked before leaving.
      expect(origin.hits(p).map((r) => r.dest)).toEqual(['empty']);
    }
    // The popup's live figures for this tab: three images from the origin (through Reef), nothing from peers.
    const total = IMAGES.reduce((n, p) => n + (files[p.slice(1)] as Uint8Array).length, 0);
    const popup = await b.ctx.newPage();
    await popup.goto(`chrome-extension://${b.extensionId}/popup/popup.html?tab=${await b.tabIdOf(origin.url)}`);
    await popup.waitForSelector('body[data-ready]');
    expect(await popup.textContent('#tab-origin')).toBe(formatBytes(total));
    expect(await popup.textContent('#tab-peer')).toBe('0 B');
    expect(await popup.textContent('#site-status')).toBe('This site publishes a Reef manifest.');
    await popup.close();
    origin.log.length = 0;
    await page.reload();
    await imagesSettled(page);
    shown = await shownImages(page);
    expect(shown.map((s) => s.integrity)).toEqual(IMAGES.map((p) => sri(files[p.slice(1)] as Uint8Array)));
    expect(origin.log.filter((r) => r.path.startsWith('/img/'))).toEqual([]);
  });

  it('the popup switch turns a site off: its images then load straight from the origin', async () => {
    const origin = await track(startOrigin(gallerySite()));
    const b = await track(launchReefBrowser({}));
    const page = await b.ctx.newPage();
    await page.goto(origin.url + '/start.html');
    await b.siteReady(origin.url);
    const tabId = await b.tabIdOf(origin.url);
    const popup = await b.ctx.newPage();
    await popup.goto(`chrome-extension://${b.extensionId}/popup/popup.html?tab=${tabId}`);
    await popup.waitForSelector('body[data-ready]');
    expect(await popup.textContent('#site')).toBe(origin.url);
    expect(await popup.isChecked('#site-enabled')).toBe(true);
    await popup.click('#site-enabled');
    await popup.waitForFunction(() => !(document.getElementById('site-enabled') as HTMLInputElement).checked);
    await page.goto(origin.url + '/index.html');
    await imagesSettled(page);
    const shown = await shownImages(page);
    expect(shown.every((s) => s.width > 0 && !s.src.startsWith('blob:'))).toBe(true);
    for (const p of IMAGES) expect(origin.hits(p).map((r) => r.dest)).toEqual(['image']);
  });
});
