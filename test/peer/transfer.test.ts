// Real peers over real node-datachannel, a real tracker and a real HTTP origin, all on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryChunkStore } from '../../shared/fetch/chunk-store';
import { closeAll, CorruptingStore, entryFor, holders, origin, peer, randomObject, tracker, until } from './helpers';

afterEach(closeAll);
const SITE = 'https://site.example';

describe('peer to peer transfer', () => {
  it('a peer fetches a chunked object from a seeding peer, chunk by chunk, verified', async () => {
    const t = await tracker();
    const bytes = randomObject(5 * 64 * 1024 + 123);
    const entry = entryFor(bytes, 64 * 1024);
    const o = await origin({ '/big.bin': bytes });
    const seeder = await peer(t.url);
    expect(await seeder.engine.addObject(SITE, entry, bytes)).toEqual({ stored: 6, bad: 0 });
    const fetcher = await peer(t.url);
    await holders(t.url, entry.integrity, 1);
    const r = await fetcher.engine.fetchObject({ site: SITE, path: '/big.bin', entry, originUrl: o.url + '/big.bin' });
    expect(Buffer.from(r.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(r.source).toMatchObject({ peer: bytes.length, seed: 0, origin: 0 });
    expect(o.hits).toEqual([]);
    expect(seeder.engine.stats().uploadedBytes).toBe(bytes.length);
    expect(seeder.engine.stats().chunksServed).toBe(6);
  });
});

describe('several peers', () => {
  it('spreads chunk requests across two holders', async () => {
    const t = await tracker();
    const bytes = randomObject(16 * 64 * 1024);
    const entry = entryFor(bytes, 64 * 1024);
    const o = await origin({ '/o.bin': bytes });
    // Rate-capped holders, so neither can finish the object before the other's link is up.
    const a = await peer(t.url, { policy: { uploadBytesPerSec: 256 * 1024 } });
    const b = await peer(t.url, { policy: { uploadBytesPerSec: 256 * 1024 } });
    await a.engine.addObject(SITE, entry, bytes);
    await b.engine.addObject(SITE, entry, bytes);
    const c = await peer(t.url);
    await holders(t.url, entry.integrity, 2);
    const r = await c.engine.fetchObject({ site: SITE, path: '/o.bin', entry, originUrl: o.url + '/o.bin' });
    expect(Buffer.from(r.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(r.source.peer).toBe(bytes.length);
    const [ua, ub] = [a.engine.stats().uploadedBytes, b.engine.stats().uploadedBytes];
    expect(ua + ub).toBe(bytes.length);
    expect(ua).toBeGreaterThan(0);
    expect(ub).toBeGreaterThan(0);
  });

  it('drops a peer that serves corrupt chunks and completes from an honest peer', async () => {
    const t = await tracker();
    const bytes = randomObject(8 * 64 * 1024);
    const entry = entryFor(bytes, 64 * 1024);
    const o = await origin({ '/o.bin': bytes });
    const liar = await peer(t.url, { store: new CorruptingStore() });
    const honest = await peer(t.url);
    await liar.engine.addObject(SITE, entry, bytes);
    await honest.engine.addObject(SITE, entry, bytes);
    const c = await peer(t.url);
    await holders(t.url, entry.integrity, 2);
    // Both links open before the fetch, so requests are spread over both and the liar is surely asked.
    await c.engine.preconnect([entry.integrity]);
    await until(() => c.engine.linkCount === 2);
    const r = await c.engine.fetchObject({ site: SITE, path: '/o.bin', entry, originUrl: o.url + '/o.bin' });
    expect(Buffer.from(r.bytes).equals(Buffer.from(bytes))).toBe(true);
    const s = c.engine.stats();
    expect(s.badPeers).toBe(1);
    expect(s.badChunks).toBeGreaterThanOrEqual(1);
    expect(r.source.peer + r.source.origin).toBe(bytes.length);
    expect(honest.engine.stats().uploadedBytes).toBeGreaterThan(0);
    // Never used again: a second object held by the liar only comes from the origin.
    const other = randomObject(3 * 64 * 1024);
    const otherEntry = entryFor(other, 64 * 1024);
    o.files.set('/x.bin', other);
    await liar.engine.addObject(SITE, otherEntry, other);
    await holders(t.url, otherEntry.integrity, 1);
    const liarUploadBefore = liar.engine.stats().uploadedBytes;
    const r2 = await c.engine.fetchObject({ site: SITE, path: '/x.bin', entry: otherEntry, originUrl: o.url + '/x.bin' });
    expect(Buffer.from(r2.bytes).equals(Buffer.from(other))).toBe(true);
    expect(r2.source.origin).toBe(other.length);
    expect(liar.engine.stats().uploadedBytes).toBe(liarUploadBefore);
  });

  it('falls back to the origin when the only holder is a corrupting peer', async () => {
    const t = await tracker();
    const bytes = randomObject(4 * 64 * 1024);
    const entry = entryFor(bytes, 64 * 1024);
    const o = await origin({ '/o.bin': bytes });
    const liar = await peer(t.url, { store: new CorruptingStore() });
    await liar.engine.addObject(SITE, entry, bytes);
    const c = await peer(t.url);
    await holders(t.url, entry.integrity, 1);
    const r = await c.engine.fetchObject({ site: SITE, path: '/o.bin', entry, originUrl: o.url + '/o.bin' });
    expect(Buffer.from(r.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(r.source.peer).toBe(0);
    expect(r.source.origin).toBe(bytes.length);
    expect(c.engine.stats().badPeers).toBe(1);
  });
});

describe('a page starting', () => {
  it('preconnect opens a link to a holder before any object is asked for, and the fetch then uses it', async () => {
    const t = await tracker();
    const bytes = randomObject(40_000);
    const entry = entryFor(bytes);
    const o = await origin({ '/a.png': bytes });
    const holder = await peer(t.url);
    await holder.engine.addObject(SITE, entry, bytes);
    await holders(t.url, entry.integrity, 1);
    const visitor = await peer(t.url);
    expect(visitor.engine.linkCount).toBe(0);
    expect(await visitor.engine.preconnect([entry.integrity])).toBe(1);
    await until(() => visitor.engine.linkCount === 1);
    const r = await visitor.engine.fetchObject({ site: SITE, path: '/a.png', entry, originUrl: o.url + '/a.png' });
    expect(r.source).toMatchObject({ peer: bytes.length, origin: 0 });
    // Held objects are not looked up again; a second preconnect dials nobody new.
    expect(await visitor.engine.preconnect([entry.integrity])).toBe(0);
  });

  it('a chunk the store does not hold is not read from it, one it holds is (and re-verified)', async () => {
    const t = await tracker();
    const bytes = randomObject(3 * 64 * 1024);
    const entry = entryFor(bytes, 64 * 1024);
    const o = await origin({ '/v.bin': bytes });
    const reads: number[] = [];
    class CountingStore extends MemoryChunkStore {
      override getChunk(integrity: string, index: number) {
        reads.push(index);
        return super.getChunk(integrity, index);
      }
    }
    const p = await peer(t.url, { store: new CountingStore() });
    await p.engine.fetchObject({ site: SITE, path: '/v.bin', entry, originUrl: o.url + '/v.bin' });
    expect(reads).toEqual([]);
    const again = await p.engine.fetchObject({ site: SITE, path: '/v.bin', entry, originUrl: o.url + '/v.bin' });
    expect(again.source).toMatchObject({ cache: bytes.length, origin: 0 });
    expect(reads.sort()).toEqual([0, 1, 2]);
  });
});
