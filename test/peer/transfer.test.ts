// Real peers over real node-datachannel, a real tracker and a real HTTP origin, all on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, entryFor, origin, peer, randomObject, tracker } from './helpers';

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
    await new Promise((r) => setTimeout(r, 100)); // the announce is coalesced
    const r = await fetcher.engine.fetchObject({ site: SITE, path: '/big.bin', entry, originUrl: o.url + '/big.bin' });
    expect(Buffer.from(r.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(r.source).toMatchObject({ peer: bytes.length, seed: 0, origin: 0 });
    expect(o.hits).toEqual([]);
    expect(seeder.engine.stats().uploadedBytes).toBe(bytes.length);
    expect(seeder.engine.stats().chunksServed).toBe(6);
  });
});
