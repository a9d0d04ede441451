// The IndexedDB chunk store in a real Chromium page: holdings, LRU eviction under the quota, reopening.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { startOrigin, type Origin } from './support/origin';

let origin: Origin;
let close: () => Promise<void>;
let page: Page;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('../../extension/offscreen/idb-chunk-store.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    globalName: 'idbStore',
    write: false,
    platform: 'browser',
  });
  origin = await startOrigin({ 'index.html': '<!doctype html><script src="/store.js"></script>', 'store.js': bundle.outputFiles[0].text }, { manifest: false });
  const browser = await launchChromium();
  close = browser.close;
  page = await browser.ctx.newPage();
  await page.goto(origin.url + '/index.html');
});
afterAll(async () => {
  await close?.();
  await origin?.close();
});

describe('IdbChunkStore', () => {
  it('keeps chunks with their object, reports holdings, and evicts the least recently used object past the quota', async () => {
    const r = await page.evaluate(async () => {
      const { IdbChunkStore } = (globalThis as any).idbStore;
      let t = 0;
      const store = await IdbChunkStore.open({ quotaBytes: 3000, now: () => ++t, name: 'lru-test' });
      const meta = (chunkCount: number) => ({ size: 1000 * chunkCount, chunkCount, type: 'image/png', site: 'https://a.example' });
      const bytes = (fill: number) => new Uint8Array(1000).fill(fill);
      await store.putChunk('sha256-A', 0, bytes(1), meta(1));
      await store.putChunk('sha256-B', 0, bytes(2), meta(2));
      await store.putChunk('sha256-B', 1, bytes(3), meta(2));
      const full = await store.holdings();
      await store.getChunk('sha256-A', 0); // A is now more recently used than B
      await store.settled();
      await new Promise((res) => setTimeout(res, 50)); // the touch is written asynchronously
      await store.putChunk('sha256-C', 0, bytes(4), meta(1)); // 4000 > 3000: B (least recently used, 2000 bytes) goes
      const after = await store.holdings();
      const a = await store.getChunk('sha256-A', 0);
      const b = await store.getObject('sha256-B');
      store.close();
      const reopened = await IdbChunkStore.open({ quotaBytes: 3000, name: 'lru-test' });
      const kept = { used: reopened.usedBytes, holdings: (await reopened.holdings()).map((h: any) => h.integrity).sort() };
      reopened.close();
      return { full, after: after.map((h: any) => h.integrity).sort(), a: a ? [...a.slice(0, 2)] : null, b: b ?? null, kept };
    });
    expect(r.full).toEqual([
      { integrity: 'sha256-A', chunkCount: 1, have: [0], site: 'https://a.example' },
      { integrity: 'sha256-B', chunkCount: 2, have: [0, 1], site: 'https://a.example' },
    ]);
    expect(r.after).toEqual(['sha256-A', 'sha256-C']);
    expect(r.a).toEqual([1, 1]);
    expect(r.b).toBeNull();
    expect(r.kept).toEqual({ used: 2000, holdings: ['sha256-A', 'sha256-C'] });
  });

  it('returns a whole object only when every chunk is held, in order', async () => {
    const r = await page.evaluate(async () => {
      const { IdbChunkStore } = (globalThis as any).idbStore;
      const store = await IdbChunkStore.open({ quotaBytes: 1 << 20, name: 'whole-test' });
      const meta = { size: 5, chunkCount: 2, type: 'text/plain', site: 'https://a.example' };
      await store.putChunk('sha256-W', 1, new Uint8Array([4, 5]), meta);
      const partial = await store.getObject('sha256-W');
      await store.putChunk('sha256-W', 0, new Uint8Array([1, 2, 3]), meta);
      const whole = await store.getObject('sha256-W');
      store.close();
      return { partial: partial ?? null, whole: whole ? { bytes: [...whole.bytes], type: whole.type } : null };
    });
    expect(r.partial).toBeNull();
    expect(r.whole).toEqual({ bytes: [1, 2, 3, 4, 5], type: 'text/plain' });
  });
});
