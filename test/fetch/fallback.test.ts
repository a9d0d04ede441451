// Fallback and range behaviour of the engine, with real peers, a real seed proxy and origin (HTTP
// servers on 127.0.0.1) and a real tracker.
import { afterEach, describe, expect, it } from 'vitest';
import { ReefFetchError } from '../../shared/fetch/errors';
import { closeAll, entryFor, holders, origin, peer, randomObject, tracker, until } from '../peer/helpers';

afterEach(closeAll);
const SITE = 'https://site.example';
const CHUNK = 64 * 1024;
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('fallback', () => {
  it('completes from the seed proxy when the holder disappears mid-transfer', async () => {
    const t = await tracker();
    const bytes = randomObject(16 * CHUNK);
    const entry = entryFor(bytes, CHUNK);
    const o = await origin({ '/o.bin': bytes });
    const seed = await origin({ '/proxy/o.bin': bytes });
    // A slow holder (256 KiB/s) so the transfer is surely in progress when it goes away.
    const holder = await peer(t.url, { policy: { uploadBytesPerSec: 256 * 1024 } });
    await holder.engine.addObject(SITE, entry, bytes);
    const c = await peer(t.url);
    await holders(t.url, entry.integrity, 1);
    const pending = c.engine.fetchObject({ site: SITE, path: '/o.bin', entry, seedProxyUrl: seed.url + '/proxy/o.bin', originUrl: o.url + '/o.bin' });
    await until(() => c.engine.stats().downloaded.peer >= 2 * CHUNK);
    await holder.stop();
    const r = await pending;
    expect(same(r.bytes, bytes)).toBe(true);
    expect(r.source.peer).toBeGreaterThanOrEqual(2 * CHUNK);
    expect(r.source.seed).toBeGreaterThan(0);
    expect(r.source.peer + r.source.seed).toBe(bytes.length);
    expect(o.hits).toEqual([]);
    // Only the missing chunks were asked of the seed, as one ranged request.
    expect(seed.hits).toHaveLength(1);
    expect(seed.hits[0].range).toMatch(/^bytes=\d+-\d+$/);
  });

  it('goes straight to the origin when nobody holds the object, and does not wait for deadlines', async () => {
    const t = await tracker();
    const bytes = randomObject(3 * CHUNK);
    const entry = entryFor(bytes, CHUNK);
    const o = await origin({ '/o.bin': bytes });
    const c = await peer(t.url);
    const t0 = Date.now();
    const r = await c.engine.fetchObject({ site: SITE, path: '/o.bin', entry, originUrl: o.url + '/o.bin' });
    expect(Date.now() - t0).toBeLessThan(500);
    expect(same(r.bytes, bytes)).toBe(true);
    expect(r.source).toMatchObject({ peer: 0, seed: 0, origin: bytes.length });
    // What came from the origin is now held and announced: another peer gets it from us.
    const d = await peer(t.url);
    await holders(t.url, entry.integrity, 1);
    const r2 = await d.engine.fetchObject({ site: SITE, path: '/o.bin', entry, originUrl: o.url + '/o.bin' });
    expect(r2.source.peer).toBe(bytes.length);
    expect(o.hits).toHaveLength(1);
  });

  it('treats a seed answering wrong bytes as wrong and uses the origin; a wrong origin is a typed error', async () => {
    const t = await tracker();
    const bytes = randomObject(2 * CHUNK + 10);
    const entry = entryFor(bytes, CHUNK);
    const wrong = bytes.slice();
    wrong[CHUNK + 5] ^= 1;
    const seed = await origin({ '/o.bin': wrong });
    const o = await origin({ '/o.bin': bytes });
    const c = await peer(t.url);
    const r = await c.engine.fetchObject({ site: SITE, path: '/o.bin', entry, seedProxyUrl: seed.url + '/o.bin', originUrl: o.url + '/o.bin' });
    expect(same(r.bytes, bytes)).toBe(true);
    // Chunks 0 and 2 of the seed's answer were right and are kept; chunk 1 came from the origin.
    expect(r.source).toMatchObject({ seed: CHUNK + 10, origin: CHUNK });
    expect(c.engine.stats().badSourceResponses).toBe(1);

    const other = randomObject(1000);
    const badOrigin = await origin({ '/u.bin': randomObject(1000) });
    const err = await c.engine.fetchObject({ site: SITE, path: '/u.bin', entry: entryFor(other), originUrl: badOrigin.url + '/u.bin' }).catch((e) => e);
    expect(err).toBeInstanceOf(ReefFetchError);
    expect(err.code).toBe('unverifiable');
    const gone = await c.engine.fetchObject({ site: SITE, path: '/n.bin', entry: entryFor(other), originUrl: badOrigin.url + '/n.bin' }).catch((e) => e);
    expect(gone.code).toBe('unavailable');
  });

  it('works with no tracker at all (origin only, after a bounded wait)', async () => {
    const bytes = randomObject(1000);
    const o = await origin({ '/a': bytes });
    const { createNodePeer } = await import('../../peer/node-peer');
    const p = await createNodePeer({ trackerUrl: 'ws://127.0.0.1:1/.well-known/reef/tracker', bindAddress: '127.0.0.1' });
    const t0 = Date.now();
    const r = await p.engine.fetchObject({ site: SITE, path: '/a', entry: entryFor(bytes), originUrl: o.url + '/a' });
    await p.stop();
    expect(same(r.bytes, bytes)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1_500);
  });
});

describe('range requests', () => {
  it('returns exactly the requested verified bytes, fetching only the chunks that cover them', async () => {
    const t = await tracker();
    const bytes = randomObject(10 * CHUNK + 777);
    const entry = entryFor(bytes, CHUNK);
    const o = await origin({ '/v.mp4': bytes });
    const holder = await peer(t.url);
    await holder.engine.addObject(SITE, entry, bytes);
    const c = await peer(t.url);
    await holders(t.url, entry.integrity, 1);
    const range: [number, number] = [CHUNK + 100, 3 * CHUNK + 5];
    const r = await c.engine.fetchObject({ site: SITE, path: '/v.mp4', entry, originUrl: o.url + '/v.mp4', range });
    expect(same(r.bytes, bytes.subarray(range[0], range[1] + 1))).toBe(true);
    expect(r.source.peer).toBe(3 * CHUNK); // chunks 1, 2, 3
    // The last byte, from the origin this time (ranged request, one short chunk).
    const tail = await c.engine.fetchObject({ site: SITE, path: '/v.mp4', entry, originUrl: o.url + '/v.mp4', range: [bytes.length - 1, bytes.length - 1] });
    expect(Array.from(tail.bytes)).toEqual([bytes[bytes.length - 1]]);
    const bad = await c.engine.fetchObject({ site: SITE, path: '/v.mp4', entry, originUrl: o.url + '/v.mp4', range: [5, bytes.length] }).catch((e) => e);
    expect(bad.code).toBe('bad-request');
  });

  it('serves a range of an unchunked object from the verified whole', async () => {
    const t = await tracker();
    const bytes = randomObject(5000);
    const entry = entryFor(bytes);
    const o = await origin({ '/s.txt': bytes });
    const c = await peer(t.url);
    const r = await c.engine.fetchObject({ site: SITE, path: '/s.txt', entry, originUrl: o.url + '/s.txt', range: [10, 19] });
    expect(same(r.bytes, bytes.subarray(10, 20))).toBe(true);
    expect(o.hits[0].range).toBeUndefined();
  });
});
