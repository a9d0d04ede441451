// Test sites: real, decodable PNG images of chosen byte sizes (random pixels do not compress), pages that use
// them, and page-side checks that hash what an element actually shows.
import { createHash, randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { TrackerClient } from '../../../tracker/client';

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed) >>> 0);
  return Buffer.concat([len, typed, crc]);
}

/** A valid RGB PNG of about `approxBytes` bytes (noise pixels, stored uncompressed). */
export function noisePng(approxBytes: number): Buffer {
  const side = Math.max(1, Math.round(Math.sqrt(approxBytes / 3)));
  const rows: Buffer[] = [];
  for (let y = 0; y < side; y++) rows.push(Buffer.concat([Buffer.from([0]), randomBytes(side * 3)]));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows), { level: 0 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export function sri(bytes: Uint8Array): string {
  return 'sha256-' + createHash('sha256').update(bytes).digest('base64');
}

export function galleryPage(paths: string[], extra = ''): string {
  return `<!doctype html><meta charset="utf-8"><title>gallery</title>${extra}\n${paths.map((p, i) => `<img id="i${i}" src="${p}">`).join('\n')}`;
}

export interface ShownImage {
  id: string;
  src: string;
  width: number;
  complete: boolean;
  /** SRI of the bytes behind the element's current URL (only for blob: URLs: hashing an origin URL would fetch it). */
  integrity: string | null;
}

/** What every <img> shows: decoded width and the hash of the bytes behind a blob: URL. */
export async function shownImages(page: Page): Promise<ShownImage[]> {
  return page.evaluate(async () => {
    const b64 = (buf: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(buf)));
    return Promise.all(
      [...document.images].map(async (img) => {
        let integrity: string | null = null;
        if (img.currentSrc.startsWith('blob:')) {
          const bytes = await (await fetch(img.currentSrc)).arrayBuffer();
          integrity = 'sha256-' + b64(await crypto.subtle.digest('SHA-256', bytes));
        }
        return { id: img.id, src: img.currentSrc, width: img.naturalWidth, complete: img.complete, integrity };
      }),
    );
  });
}

/** Waits until every <img> on the page finished loading (or failed). */
export async function imagesSettled(page: Page, timeoutMs = 20_000): Promise<void> {
  await page.waitForFunction(() => [...document.images].every((i) => i.complete && (i.naturalWidth > 0 || i.currentSrc.startsWith('blob:'))), null, {
    timeout: timeoutMs,
    polling: 50,
  });
}

/** Holders the tracker lists for an object, polled until `done(count)` says stop (or the time is up). */
async function watchHolders(trackerUrl: string, integrity: string, done: (count: number) => boolean, timeoutMs: number): Promise<number> {
  const c = await TrackerClient.connect(trackerUrl);
  try {
    await c.hello({ peerId: `observer-${randomBytes(6).toString('hex')}` });
    const end = Date.now() + timeoutMs;
    for (;;) {
      const count = (await c.lookup(integrity)).peers.length;
      if (done(count) || Date.now() > end) return count;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await c.close();
  }
}

/** Waits until the tracker lists `count` holders of an object (a peer announced what it cached). */
export async function waitForHolders(trackerUrl: string, integrity: string, count: number, timeoutMs = 10_000): Promise<void> {
  const seen = await watchHolders(trackerUrl, integrity, (n) => n >= count, timeoutMs);
  if (seen < count) throw new Error(`tracker never listed ${count} holder(s) of ${integrity}`);
}

/** Waits until the tracker lists nobody for the object (a withdrawal went through). */
export async function waitForNoHolders(trackerUrl: string, integrity: string, timeoutMs = 10_000): Promise<void> {
  const seen = await watchHolders(trackerUrl, integrity, (n) => n === 0, timeoutMs);
  if (seen !== 0) throw new Error(`tracker still lists ${seen} holder(s) of ${integrity}`);
}

/** The most holders the tracker listed for the object at any poll during `ms` (0 = it never listed one). */
export async function mostHoldersDuring(trackerUrl: string, integrity: string, ms: number): Promise<number> {
  let most = 0;
  await watchHolders(trackerUrl, integrity, (n) => ((most = Math.max(most, n)), false), ms);
  return most;
}
