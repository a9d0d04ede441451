// The on-disk store: bounded by size with LRU eviction, and checked at start so a torn write or a damaged
// file is never served.
import { appendFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/clock';
import { silentLogger } from '../../seed-node/proxy/log';
import { ObjectStore, type ObjectMeta } from '../../seed-node/proxy/store';
import { bytes, createTestnet, fetchVia, originHost, randomBytes, startOrigin, type Origin, type Testnet } from './helpers';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'reef-store-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true, maxRetries: 5 })));
});

function open(dir: string, maxBytes: number, evicted: string[] = []) {
  return ObjectStore.open({ dir, maxBytes, memoryObjectMaxBytes: 1024, memoryCacheBytes: 4096, clock: systemClock, log: silentLogger, onEvict: (o) => evicted.push(o.url) });
}
const meta = (url: string): ObjectMeta => ({ url, vary: [], headers: {}, storedAt: Date.now(), initialAgeMs: 0, freshUntil: Date.now() + 60_000 });

describe('object store', () => {
  it('stays within its size by evicting the least recently used object', async () => {
    const dir = await tempDir();
    const evicted: string[] = [];
    const s = await open(dir, 30_000, evicted);
    for (const n of [1, 2, 3]) await s.put(`u${n}`, meta(`u${n}`), randomBytes(10_000, n));
    expect(s.lookup('u1', {})).toBeDefined(); // u1 is now the most recently used
    await s.put('u4', meta('u4'), randomBytes(10_000, 4));
    expect(evicted).toEqual(['u2']);
    expect(s.usedBytes).toBeLessThanOrEqual(30_000);
    expect(s.lookup('u2', {})).toBeUndefined();
    await s.settle();
    const reopened = await open(dir, 30_000);
    expect(reopened.count).toBe(3);
    expect(reopened.lookup('u2', {})).toBeUndefined();
    expect(reopened.lookup('u4', {})?.size).toBe(10_000);
    // a smaller limit at start evicts down to it
    expect((await open(dir, 15_000)).count).toBe(1);
  });

  it('never serves a damaged or half-written object after a restart', async () => {
    const origin: Origin = await startOrigin();
    let net: Testnet | undefined;
    try {
      net = await createTestnet(1);
      const good = randomBytes(100_000, 1);
      const victim = randomBytes(100_000, 2);
      origin.routes.set('/good', bytes(good));
      origin.routes.set('/victim', bytes(victim));
      const host = originHost(origin);
      await fetchVia(net.seeds[0], host, '/good');
      await fetchVia(net.seeds[0], host, '/victim');
      const dir = net.dirs[0];
      await net.seeds[0].close();
      net.seeds.length = 0;
      // damage the victim's content file in place (a disk fault or a torn write outside cacache's tmp-then-rename)
      const contentRoot = join(dir, 'content-v2');
      const files: string[] = [];
      const walk = async (d: string): Promise<void> => {
        for (const e of await readdir(d, { withFileTypes: true })) e.isDirectory() ? await walk(join(d, e.name)) : files.push(join(d, e.name));
      };
      await walk(contentRoot);
      const { readFile } = await import('node:fs/promises');
      let damaged = 0;
      for (const f of files) if ((await readFile(f)).equals(victim)) await writeFile(f, victim.subarray(0, 50_000)), damaged++;
      expect(damaged).toBe(1);
      // a crash mid-write leaves a partial temp file and a torn index line behind
      await mkdir(join(dir, 'tmp'), { recursive: true });
      await writeFile(join(dir, 'tmp', 'partial-write'), victim.subarray(0, 1234));
      const buckets: string[] = [];
      const walkIdx = async (d: string): Promise<void> => {
        for (const e of await readdir(d, { withFileTypes: true })) e.isDirectory() ? await walkIdx(join(d, e.name)) : buckets.push(join(d, e.name));
      };
      await walkIdx(join(dir, 'index-v5'));
      await appendFile(buckets[0], '\nabc123\t{"key":"torn');
      const again = await net.add({ id: 'seed1', dir });
      const g = await fetchVia(again, host, '/good');
      expect(g.headers['x-cache']).toBe('HIT');
      expect(g.body.equals(good)).toBe(true);
      const v = await fetchVia(again, host, '/victim');
      expect(v.headers['x-cache']).toBe('MISS'); // refetched, not the truncated copy
      expect(v.body.equals(victim)).toBe(true);
      expect(origin.count('/victim')).toBe(2);
    } finally {
      await net?.close();
      await origin.close();
    }
  });
});
