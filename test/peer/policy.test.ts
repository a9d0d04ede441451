// Serving within the user's policy: upload rate and monthly volume caps, disabled sites, serve=false.
import { afterEach, describe, expect, it } from 'vitest';
import type { ServePolicy } from '../../shared/fetch/types';
import { closeAll, entryFor, holders, origin, peer, randomObject, tracker } from './helpers';

afterEach(closeAll);
const SITE = 'https://site.example';
const CHUNK = 64 * 1024;
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const settle = () => new Promise((r) => setTimeout(r, 100));

describe('upload caps', () => {
  it('stops serving at the monthly volume cap (over-cap rejects) and the fetch completes from the origin', async () => {
    const t = await tracker();
    const bytes = randomObject(8 * CHUNK);
    const entry = entryFor(bytes, CHUNK);
    const o = await origin({ '/o.bin': bytes });
    const holder = await peer(t.url, { policy: { uploadBytesPerMonth: 3 * CHUNK, uploadUsedThisMonth: 0 } });
    await holder.engine.addObject(SITE, entry, bytes);
    const c = await peer(t.url);
    await holders(t.url, entry.integrity, 1);
    const r = await c.engine.fetchObject({ site: SITE, path: '/o.bin', entry, originUrl: o.url + '/o.bin' });
    expect(same(r.bytes, bytes)).toBe(true);
    const s = holder.engine.stats();
    expect(s.uploadedBytes).toBe(3 * CHUNK);
    expect(s.rejectsSent['over-cap']).toBeGreaterThanOrEqual(1);
    expect(r.source).toMatchObject({ peer: 3 * CHUNK, origin: 5 * CHUNK });
  });

  it('counts what the caller already used this month', async () => {
    const t = await tracker();
    const bytes = randomObject(2 * CHUNK);
    const entry = entryFor(bytes, CHUNK);
    const o = await origin({ '/o.bin': bytes });
    const holder = await peer(t.url, { policy: { uploadBytesPerMonth: 10 * CHUNK, uploadUsedThisMonth: 10 * CHUNK - 100 } });
    await holder.engine.addObject(SITE, entry, bytes);
    const c = await peer(t.url);
    await holders(t.url, entry.integrity, 1);
    const r = await c.engine.fetchObject({ site: SITE, path: '/o.bin', entry, originUrl: o.url + '/o.bin' });
    expect(r.source.origin).toBe(bytes.length);
    expect(holder.engine.stats().uploadedBytes).toBe(0);
  });

  it('paces uploads at the rate cap', async () => {
    const t = await tracker();
    const rate = 512 * 1024;
    const bytes = randomObject(24 * CHUNK); // 1.5 MiB: 1 s of burst + ~1 s paced
    const entry = entryFor(bytes, CHUNK);
    const o = await origin({ '/o.bin': bytes });
    const holder = await peer(t.url, { policy: { uploadBytesPerSec: rate } });
    await holder.engine.addObject(SITE, entry, bytes);
    const c = await peer(t.url, { fetch: { stallDeadlineMs: 5_000, firstChunkDeadlineMs: 5_000 } });
    await holders(t.url, entry.integrity, 1);
    const t0 = Date.now();
    const r = await c.engine.fetchObject({ site: SITE, path: '/o.bin', entry, originUrl: o.url + '/o.bin' });
    const secs = (Date.now() - t0) / 1000;
    expect(r.source.peer).toBe(bytes.length);
    // The first second's worth goes out as the burst; the rest at the cap.
    expect(secs).toBeGreaterThan(((bytes.length - rate) / rate) * 0.9);
    expect(secs).toBeLessThan(((bytes.length - rate) / rate) * 2 + 1.5);
  });
});

describe('sites and serving switched off', () => {
  it('never serves a disabled site: not in the hello, and requests get `disabled` once the user disables it', async () => {
    const t = await tracker();
    const a = randomObject(2 * CHUNK);
    const b = randomObject(2 * CHUNK);
    const [ea, eb] = [entryFor(a, CHUNK), entryFor(b, CHUNK)];
    const o = await origin({ '/a': a, '/b': b });
    const policy: ServePolicy = { serve: true, disabledSites: [], uploadBytesPerSec: Infinity, uploadBytesPerMonth: Infinity, uploadUsedThisMonth: 0 };
    const holder = await peer(t.url, { policy: () => policy });
    await holder.engine.addObject(SITE, ea, a);
    await holder.engine.addObject(SITE, eb, b);
    const c = await peer(t.url);
    await holders(t.url, eb.integrity, 1);
    const ra = await c.engine.fetchObject({ site: SITE, path: '/a', entry: ea, originUrl: o.url + '/a' });
    expect(ra.source.peer).toBe(a.length);
    // The user disables the site while the link is open (the fetcher still believes b is held).
    policy.disabledSites = [SITE + '/'];
    const uploaded = holder.engine.stats().uploadedBytes;
    const rb = await c.engine.fetchObject({ site: SITE, path: '/b', entry: eb, originUrl: o.url + '/b' });
    expect(same(rb.bytes, b)).toBe(true);
    expect(rb.source.origin).toBe(b.length);
    expect(holder.engine.stats().uploadedBytes).toBe(uploaded);
    expect(holder.engine.stats().rejectsSent.disabled).toBeGreaterThanOrEqual(1);
    // A newcomer is not even told about the site's objects.
    const d = await peer(t.url);
    holder.engine.policyChanged();
    await settle();
    const rd = await d.engine.fetchObject({ site: SITE, path: '/a', entry: ea, originUrl: o.url + '/a' });
    expect(same(rd.bytes, a)).toBe(true); // from `c`, which fetched it earlier, or the origin
    expect(holder.engine.stats().uploadedBytes).toBe(uploaded);
    expect(t.tracker.metrics.withdraws).toBeGreaterThanOrEqual(1);
  });

  it('fetch-but-never-serve: fetches from peers, serves no one, announces nothing', async () => {
    const t = await tracker();
    const bytes = randomObject(2 * CHUNK);
    const entry = entryFor(bytes, CHUNK);
    const o = await origin({ '/o.bin': bytes });
    const holder = await peer(t.url);
    await holder.engine.addObject(SITE, entry, bytes);
    const leech = await peer(t.url, { policy: { serve: false } });
    await holders(t.url, entry.integrity, 1);
    const r = await leech.engine.fetchObject({ site: SITE, path: '/o.bin', entry, originUrl: o.url + '/o.bin' });
    expect(r.source.peer).toBe(bytes.length);
    await settle();
    const lookups = await (await import('../../tracker/client')).TrackerClient.connect(t.url);
    await lookups.hello({ peerId: 'observer-1' });
    const found = await lookups.lookup(entry.integrity);
    await lookups.close();
    expect(found.peers.map((p) => p.peerId)).toEqual([holder.engine.peerId]);
    expect(leech.engine.stats().uploadedBytes).toBe(0);
  });
});
