// The Firefox build in real Firefox ESR: blocking webRequest + filterResponseData replace listed responses with
// Reef's verified bytes. Firefox still sends the request to the origin (it cannot answer one unsent), so the
// proof that bytes came from a peer is an origin that serves other bytes by the time the second browser asks:
// that browser's page still gets exactly the publisher's image and script, which only browser A could supply.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSiteManifest } from '../../peer/seed-site';
import { onCleanup, track } from './support/cleanup';
import { FIREFOX_PATH, launchReefFirefox, type ReefFirefox } from './support/firefox';
import { startOrigin } from './support/origin';
import { galleryPage, noisePng, waitForHolders } from './support/site';
import { startTracker } from './support/tracker';

const GOOD_JS = 'window.__reefScript = "publisher";';
const EVIL_JS = 'window.__reefScript = "tampered";';
const page = (extra = '') => galleryPage(['/pic.png'], '<script src="/app.js"></script>' + extra);
const START = '<!doctype html><title>start</title>';

async function pageState(b: ReefFirefox, url: string): Promise<{ widths: number[]; script: unknown }> {
  const p = await b.newPage();
  await p.goto(url, { waitUntil: 'load' });
  return p.evaluate(() => ({
    widths: [...document.images].map((i) => i.naturalWidth),
    script: (window as unknown as { __reefScript?: string }).__reefScript,
  }));
}

describe.skipIf(!existsSync(FIREFOX_PATH))('the Firefox build in Firefox ESR', { timeout: 90_000 }, () => {
  it('browser B gets the publisher image and script from browser A while the origin serves tampered bytes', async () => {
    const t = await startTracker();
    onCleanup(t.stop);
    const png = noisePng(30_000);
    const origin = await track(startOrigin({ 'index.html': page(), 'start.html': START, 'pic.png': png, 'app.js': GOOD_JS }));
    const manifest = await readSiteManifest(origin.dir);
    const listedBytes = manifest.objects['/pic.png'].size + manifest.objects['/app.js'].size;

    const A = await track(launchReefFirefox({ trackers: [t.url] }));
    await pageState(A, origin.url + '/start.html');
    const a = await pageState(A, origin.url + '/index.html');
    expect(a.script).toBe('publisher');
    const goodWidth = a.widths[0];
    expect(goodWidth).toBeGreaterThan(0);
    // A verified, cached and announced both objects.
    await waitForHolders(t.url, manifest.objects['/pic.png'].integrity, 1);
    await waitForHolders(t.url, manifest.objects['/app.js'].integrity, 1);

    // From now on the origin answers with other (valid) bytes: a different picture and script.
    await origin.overwrite('/pic.png', noisePng(20_000));
    await origin.overwrite('/app.js', new TextEncoder().encode(EVIL_JS));

    const B = await track(launchReefFirefox({ trackers: [t.url] }));
    await pageState(B, origin.url + '/start.html'); // the site's manifest is known from here on
    const b = await pageState(B, origin.url + '/index.html');
    expect(b.script).toBe('publisher');
    expect(b.widths).toEqual([goodWidth]);
    expect((await B.figures()).engine.downloaded).toMatchObject({ peer: listedBytes, origin: 0 });
    expect((await A.figures()).engine.uploadedBytes).toBe(listedBytes);
  });

  it('with nobody holding the objects, the page gets the normal origin response (and Reef caches a verified copy)', async () => {
    const t = await startTracker();
    onCleanup(t.stop);
    const origin = await track(startOrigin({ 'index.html': page(), 'start.html': START, 'pic.png': noisePng(30_000), 'app.js': GOOD_JS }));
    const manifest = await readSiteManifest(origin.dir);
    const C = await track(launchReefFirefox({ trackers: [t.url] }));
    // A first visit straight to the page: nothing may wait on the site's manifest (Firefox delays the
    // background's manifest request while the page loads; holding the page for it stalled it until the hold limit).
    const started = Date.now();
    const first = await pageState(C, origin.url + '/index.html');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(first.script).toBe('publisher');
    const c = await pageState(C, origin.url + '/index.html');
    expect(c.script).toBe('publisher');
    expect(c.widths[0]).toBeGreaterThan(0);
    await waitForHolders(t.url, manifest.objects['/pic.png'].integrity, 1);
    expect((await C.figures()).engine.downloaded.peer).toBe(0);
  });
});
