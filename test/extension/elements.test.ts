// Default mode across the element kinds the issue names (img, srcset, picture, video/audio src, <source>, poster),
// and "never a broken page": an object whose origin bytes no longer match the manifest reaches the page as the
// origin's normal response, in default and in full mode.
import { describe, expect, it } from 'vitest';
import { track } from './support/cleanup';
import { launchReefBrowser } from './support/browser';
import { startOrigin } from './support/origin';
import { imagesSettled, noisePng, sri } from './support/site';


/** SRI of what an element's attribute points at, when it is a blob: URL (null otherwise). Runs in the page. */
async function blobIntegrityOf({ selector, attr }: { selector: string; attr: string }): Promise<string | null> {
  {
    const el = document.querySelector(selector)!;
    const url = attr === 'currentSrc' ? (el as HTMLImageElement).currentSrc : el.getAttribute(attr);
    if (!url?.startsWith('blob:')) return null;
    const buf = await (await fetch(url)).arrayBuffer();
    return 'sha256-' + btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-256', buf))));
  }
}

describe('default mode element kinds', { timeout: 60_000 }, () => {
  it('serves img srcset, picture sources, video and audio src, <source> and poster with verified bytes', async () => {
    const f = {
      small: noisePng(8_000),
      large: noisePng(30_000),
      pic: noisePng(12_000),
      poster: noisePng(9_000),
      video: Buffer.from('not really a video, but listed bytes all the same'),
      audio: Buffer.from('listed audio bytes'),
      track: Buffer.from('listed bytes in a <source>'),
    };
    const origin = await track(
      startOrigin({
        'start.html': '<!doctype html>',
        'index.html': `<!doctype html>
          <img id="set" srcset="/m/small.png 1x, /m/large.png 2x" src="/m/small.png">
          <picture><source srcset="/m/pic.png"><img id="pic" src="/m/small.png"></picture>
          <video id="vid" src="/m/video.mp4" poster="/m/poster.png" preload="auto"></video>
          <audio id="aud" src="/m/audio.mp3" preload="auto"></audio>
          <video id="src"><source src="/m/track.webm" type="video/webm"></video>`,
        'm/small.png': f.small,
        'm/large.png': f.large,
        'm/pic.png': f.pic,
        'm/poster.png': f.poster,
        'm/video.mp4': f.video,
        'm/audio.mp3': f.audio,
        'm/track.webm': f.track,
      }),
    );
    const b = await track(launchReefBrowser({}));
    const page = await b.ctx.newPage();
    await page.goto(origin.url + '/start.html');
    await b.siteReady(origin.url);
    await page.goto(origin.url + '/index.html');
    await imagesSettled(page);
    const expectBlob = async (selector: string, attr: string, bytes: Uint8Array) =>
      expect.poll(() => page.evaluate(blobIntegrityOf, { selector, attr }), { timeout: 10_000 }).toBe(sri(bytes));
    await expectBlob('#set', 'currentSrc', f.small); // device pixel ratio 1: the 1x candidate
    await expectBlob('#pic', 'currentSrc', f.pic);
    await expectBlob('#vid', 'src', f.video);
    await expectBlob('#vid', 'poster', f.poster);
    await expectBlob('#aud', 'src', f.audio);
    await expectBlob('#src source', 'src', f.track);
    // None of them was fetched by the page itself.
    expect(origin.log.filter((r) => r.path.startsWith('/m/') && r.dest !== 'empty')).toEqual([]);
  });
});

describe('default mode, images referenced from CSS', { timeout: 60_000 }, () => {
  it('rewrites listed background images in style sheets and style attributes (their page requests are blocked)', async () => {
    const bg = noisePng(9_000);
    const inline = noisePng(7_000);
    const origin = await track(
      startOrigin({
        'start.html': '<!doctype html>',
        'index.html': `<!doctype html><link rel="stylesheet" href="/css/site.css">
          <div id="bg" class="bg" style="width:50px;height:50px"></div>
          <div id="inline" style="width:50px;height:50px;background-image:url('/m/inline.png')"></div>`,
        'css/site.css': '@media screen { .bg { background: url(../m/bg.png) no-repeat; } }',
        'm/bg.png': bg,
        'm/inline.png': inline,
      }),
    );
    const b = await track(launchReefBrowser({}));
    const page = await b.ctx.newPage();
    await page.goto(origin.url + '/start.html');
    await b.siteReady(origin.url);
    await page.goto(origin.url + '/index.html');
    const backgroundIntegrity = (id: string) =>
      page.evaluate(async (id) => {
        const m = /url\("?(blob:[^")]+)"?\)/.exec(getComputedStyle(document.getElementById(id)!).backgroundImage);
        if (!m) return null;
        const buf = await (await fetch(m[1])).arrayBuffer();
        return 'sha256-' + btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-256', buf))));
      }, id);
    await expect.poll(() => backgroundIntegrity('bg'), { timeout: 10_000 }).toBe(sri(bg));
    await expect.poll(() => backgroundIntegrity('inline'), { timeout: 10_000 }).toBe(sri(inline));
    expect(origin.log.filter((r) => r.path.startsWith('/m/') && r.dest !== 'empty')).toEqual([]);
  });
});

describe('never a broken page', { timeout: 60_000 }, () => {
  for (const fullMode of [false, true]) {
    it(`${fullMode ? 'full' : 'default'} mode: bytes that no longer match the manifest reach the page as the origin's normal response`, async () => {
      const original = noisePng(10_000);
      const changed = noisePng(11_000);
      const origin = await track(startOrigin({ 'start.html': '<!doctype html>', 'index.html': '<!doctype html><img id="x" src="/x.png">', 'x.png': original }));
      await origin.overwrite('x.png', changed); // the publisher changed the file without regenerating the manifest
      const b = await track(launchReefBrowser({ fullMode }, { debuggerGranted: fullMode }));
      const page = await b.ctx.newPage();
      await page.goto(origin.url + '/start.html');
      if (!fullMode) await b.siteReady(origin.url);
      await page.goto(origin.url + '/index.html');
      await imagesSettled(page);
      const shown = await page.evaluate(async () => {
        const img = document.getElementById('x') as HTMLImageElement;
        const buf = await (await fetch(img.currentSrc)).arrayBuffer();
        return { width: img.naturalWidth, size: buf.byteLength };
      });
      expect(shown).toEqual({ width: expect.any(Number), size: changed.length });
      expect(shown.width).toBeGreaterThan(0);
      const figures = await b.figures();
      expect(figures.engine.badSourceResponses).toBeGreaterThan(0);
      expect(figures.bytes).toMatchObject({ peer: 0, origin: 0, cache: 0 }); // Reef delivered nothing unverified
    });
  }
});
