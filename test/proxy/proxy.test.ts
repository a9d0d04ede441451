// The proxy over real sockets: one origin, two or three seeds sharing one index.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serializeManifest, MANIFEST_WELL_KNOWN_PATH } from '../../shared/manifest';
import { sri } from '../manifest/fixtures';
import { bytes, createTestnet, fetchVia, originHost, randomBytes, startOrigin, type Origin, type Testnet } from './helpers';

let origin: Origin;
let net: Testnet;

beforeEach(async () => {
  origin = await startOrigin();
});
afterEach(async () => {
  await net?.close();
  await origin.close();
});

describe('caching', () => {
  it('serves a miss from the origin, then hits from its cache with Age and X-Cache', async () => {
    net = await createTestnet(1);
    const body = randomBytes(4096);
    origin.routes.set('/a.bin', bytes(body, { 'cache-control': 'max-age=60', etag: '"v1"' }));
    const host = originHost(origin);
    const first = await fetchVia(net.seeds[0], host, '/a.bin');
    expect(first.status).toBe(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.body.equals(body)).toBe(true);
    const second = await fetchVia(net.seeds[0], host, '/a.bin');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body.equals(body)).toBe(true);
    expect(Number(second.headers.age)).toBeGreaterThanOrEqual(0);
    expect(second.headers.via).toContain('reef-seed1');
    expect(origin.count('/a.bin')).toBe(1);
    // a different spelling of the same path is the same object
    const third = await fetchVia(net.seeds[0], host, '/%61.bin');
    expect(third.headers['x-cache']).toBe('HIT');
    expect(origin.count('/a.bin')).toBe(1);
  });

  it.each([
    ['from the content file', { memoryObjectMaxBytes: 50_000 }],
    ['from the in-memory hot set', {}],
  ])('answers range requests and If-None-Match %s', async (_where, limits) => {
    net = await createTestnet(1, { limits });
    const body = randomBytes(100_000, 7);
    origin.routes.set('/r.bin', bytes(body, { etag: '"r1"' }));
    const host = originHost(origin);
    await fetchVia(net.seeds[0], host, '/r.bin');
    const part = await fetchVia(net.seeds[0], host, '/r.bin', { headers: { range: 'bytes=1000-1999' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1000-1999/${body.length}`);
    expect(part.body.equals(body.subarray(1000, 2000))).toBe(true);
    const tail = await fetchVia(net.seeds[0], host, '/r.bin', { headers: { range: 'bytes=-10' } });
    expect(tail.body.equals(body.subarray(body.length - 10))).toBe(true);
    const bad = await fetchVia(net.seeds[0], host, '/r.bin', { headers: { range: `bytes=${body.length}-` } });
    expect(bad.status).toBe(416);
    const notModified = await fetchVia(net.seeds[0], host, '/r.bin', { headers: { 'if-none-match': '"r1"' } });
    expect(notModified.status).toBe(304);
    const head = await fetchVia(net.seeds[0], host, '/r.bin', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(body.length));
    expect(head.body.length).toBe(0);
    const whole = await fetchVia(net.seeds[0], host, '/r.bin');
    expect(whole.body.equals(body)).toBe(true);
    expect(origin.count('/r.bin')).toBe(1);
  });

  it('gives every hit its own Age, X-Cache and Via, and a Content-Length even when the origin sent none', async () => {
    net = await createTestnet(1);
    origin.routes.set('/chunked', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=600', age: '7' });
      res.write('no ');
      res.end('length');
    });
    const host = originHost(origin);
    const miss = await fetchVia(net.seeds[0], host, '/chunked');
    expect(miss.headers['content-length']).toBeUndefined();
    const hit = await fetchVia(net.seeds[0], host, '/chunked');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['content-length']).toBe('9');
    expect(Number(hit.headers.age)).toBeGreaterThanOrEqual(7); // the age it arrived with counts
    expect(hit.headers.via).toBe('1.1 reef-seed1');
    const relayed = await fetchVia(net.seeds[0], host, '/chunked', { headers: { via: '1.1 other-proxy' } });
    expect(relayed.headers.via).toBe('1.1 other-proxy, 1.1 reef-seed1');
    const again = await fetchVia(net.seeds[0], host, '/chunked');
    expect(again.headers.via).toBe('1.1 reef-seed1');
    expect(again.body.toString()).toBe('no length');
    expect(origin.count('/chunked')).toBe(1);
  });

  it('keeps one copy per Vary value', async () => {
    net = await createTestnet(1);
    origin.routes.set('/v', (req, res) => res.writeHead(200, { vary: 'Accept-Language', 'content-type': 'text/plain' }).end(`lang=${req.headers['accept-language']}`));
    const host = originHost(origin);
    const en = await fetchVia(net.seeds[0], host, '/v', { headers: { 'accept-language': 'en' } });
    const fr = await fetchVia(net.seeds[0], host, '/v', { headers: { 'accept-language': 'fr' } });
    const en2 = await fetchVia(net.seeds[0], host, '/v', { headers: { 'accept-language': 'en' } });
    expect([en.body.toString(), fr.body.toString(), en2.body.toString()]).toEqual(['lang=en', 'lang=fr', 'lang=en']);
    expect(en2.headers['x-cache']).toBe('HIT');
    expect(origin.count('/v')).toBe(2);
  });

  it('does not store no-store responses and revalidates expired ones with the validators', async () => {
    net = await createTestnet(1);
    origin.routes.set('/private', bytes('secret', { 'cache-control': 'no-store' }));
    let version = 1;
    origin.routes.set('/reval', (req, res) => {
      if (req.headers['if-none-match'] === '"e1"') return res.writeHead(304, { etag: '"e1"', 'cache-control': 'max-age=0' }).end();
      res.writeHead(200, { etag: `"e${version}"`, 'cache-control': 'max-age=0' }).end(`body${version}`);
    });
    const host = originHost(origin);
    await fetchVia(net.seeds[0], host, '/private');
    expect((await fetchVia(net.seeds[0], host, '/private')).headers['x-cache']).toBe('MISS');
    expect(origin.count('/private')).toBe(2);
    expect((await fetchVia(net.seeds[0], host, '/reval')).body.toString()).toBe('body1');
    const again = await fetchVia(net.seeds[0], host, '/reval');
    expect(again.headers['x-cache']).toBe('HIT');
    expect(again.body.toString()).toBe('body1');
    expect(origin.lastHeaders.get('/reval')?.['if-none-match']).toBe('"e1"');
    expect(net.seeds[0].proxy.stats().revalidated).toBe(1);
    version = 2;
    origin.routes.set('/reval', (_req, res) => res.writeHead(200, { etag: '"e2"' }).end('body2'));
    expect((await fetchVia(net.seeds[0], host, '/reval')).body.toString()).toBe('body2');
  });

  it('serves a stale copy when the origin errors or is gone', async () => {
    net = await createTestnet(1);
    origin.routes.set('/s', bytes('old news', { 'cache-control': 'max-age=0' }));
    const host = originHost(origin);
    await fetchVia(net.seeds[0], host, '/s');
    origin.routes.set('/s', (_req, res) => res.writeHead(503).end('down'));
    const r1 = await fetchVia(net.seeds[0], host, '/s');
    expect(r1.status).toBe(200);
    expect(r1.body.toString()).toBe('old news');
    expect(r1.headers.warning).toContain('110');
    await origin.close();
    const r2 = await fetchVia(net.seeds[0], host, '/s');
    expect(r2.body.toString()).toBe('old news');
    expect(net.seeds[0].proxy.stats().staleServed).toBe(2);
  });

  it('keeps its cache across a restart', async () => {
    net = await createTestnet(1);
    const body = randomBytes(200_000, 3);
    origin.routes.set('/keep.bin', bytes(body));
    const host = originHost(origin);
    await fetchVia(net.seeds[0], host, '/keep.bin');
    const dir = net.dirs[0];
    await net.seeds[0].close();
    net.seeds.length = 0;
    const again = await net.add({ id: 'seed1', dir });
    const r = await fetchVia(again, host, '/keep.bin');
    expect(r.headers['x-cache']).toBe('HIT');
    expect(r.body.equals(body)).toBe(true);
    expect(origin.count('/keep.bin')).toBe(1);
  });
});

describe('flash crowds and cooperation', () => {
  it('100 concurrent clients for a new object cause exactly one origin request, all get the full body', async () => {
    net = await createTestnet(1, { limits: { clientRequestBurst: 1000 } });
    const body = randomBytes(300_000, 11);
    origin.routes.set('/hot.bin', bytes(body, {}, 150));
    const host = originHost(origin);
    const replies = await Promise.all(Array.from({ length: 100 }, () => fetchVia(net.seeds[0], host, '/hot.bin')));
    expect(replies.every((r) => r.status === 200 && r.body.equals(body))).toBe(true);
    expect(origin.count('/hot.bin')).toBe(1);
    const s = net.seeds[0].proxy.stats();
    expect(s.misses + s.hits).toBe(100);
    expect(s.coalescedWaiters).toBeGreaterThan(0);
  });

  it('streams to waiters while the first fetch is still in flight', async () => {
    net = await createTestnet(1);
    let finish!: () => void;
    origin.routes.set('/slow.bin', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part;');
      finish = () => res.end('second part');
    });
    const host = originHost(origin);
    const { request } = await import('node:http');
    const firstByte = new Promise<string>((resolve) => {
      request({ host: '127.0.0.1', port: net.seeds[0].port, path: '/slow.bin', headers: { host }, agent: false }, (res) => res.once('data', (b: Buffer) => resolve(b.toString()))).end();
    });
    expect(await firstByte).toBe('first part;');
    const late = fetchVia(net.seeds[0], host, '/slow.bin'); // joins mid-flight
    await new Promise((r) => setTimeout(r, 50));
    finish();
    expect((await late).body.toString()).toBe('first part;second part');
    expect(origin.count('/slow.bin')).toBe(1);
  });

  it('a miss on seed B is served from seed A, and never touches the origin', async () => {
    net = await createTestnet(2);
    const body = randomBytes(50_000, 5);
    origin.routes.set('/shared.bin', bytes(body, { 'cache-control': 'max-age=300' }));
    const host = originHost(origin);
    await fetchVia(net.seeds[0], host, '/shared.bin');
    const fromB = await fetchVia(net.seeds[1], host, '/shared.bin');
    expect(fromB.headers['x-cache']).toBe('PEER');
    expect(fromB.body.equals(body)).toBe(true);
    expect(origin.count('/shared.bin')).toBe(1);
    expect(net.seeds[0].proxy.stats().servedToPeers).toBe(1);
    // B now holds it too
    expect((await fetchVia(net.seeds[1], host, '/shared.bin')).headers['x-cache']).toBe('HIT');
  });

  it('cuts through to a seed that is still fetching (the "fetching" pointer): three seeds, one origin request', async () => {
    net = await createTestnet(3);
    const body = randomBytes(120_000, 9);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    origin.routes.set('/crowd.bin', (_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 1000));
      gate.then(() => res.end(body.subarray(1000)));
    });
    const host = originHost(origin);
    const a = fetchVia(net.seeds[0], host, '/crowd.bin');
    while (origin.count('/crowd.bin') === 0) await new Promise((r) => setTimeout(r, 5));
    const b = fetchVia(net.seeds[1], host, '/crowd.bin');
    const c = fetchVia(net.seeds[2], host, '/crowd.bin');
    await new Promise((r) => setTimeout(r, 100));
    release();
    const replies = await Promise.all([a, b, c]);
    expect(replies.map((r) => r.headers['x-cache'])).toEqual(['MISS', 'PEER', 'PEER']);
    expect(replies.every((r) => r.body.equals(body))).toBe(true);
    expect(origin.count('/crowd.bin')).toBe(1);
  });

  it('falls back to the origin when the index names a dead seed', async () => {
    net = await createTestnet(2);
    origin.routes.set('/x', bytes('x-body'));
    const host = originHost(origin);
    await fetchVia(net.seeds[0], host, '/x');
    await net.seeds[0].close();
    const r = await fetchVia(net.seeds[1], host, '/x');
    expect(r.headers['x-cache']).toBe('MISS');
    expect(r.body.toString()).toBe('x-body');
    expect(net.seeds[1].proxy.stats().peerFetchesTried).toBe(1);
  });
});

describe('verification against /.well-known/reef.json', () => {
  function publish(o: Origin, objects: Record<string, Buffer>): void {
    const manifest = {
      version: 1 as const,
      origin: `http://localhost:${o.port}`,
      objects: Object.fromEntries(Object.entries(objects).map(([p, b]) => [p, { size: b.length, type: 'application/octet-stream', integrity: sri(b) }])),
    };
    o.routes.set(MANIFEST_WELL_KNOWN_PATH, bytes(serializeManifest(manifest), { 'content-type': 'application/json' }));
  }

  it('serves and caches a body that matches the manifest', async () => {
    net = await createTestnet(1);
    const good = randomBytes(10_000, 2);
    publish(origin, { '/good.bin': good });
    origin.routes.set('/good.bin', bytes(good));
    const host = originHost(origin);
    expect((await fetchVia(net.seeds[0], host, '/good.bin')).body.equals(good)).toBe(true);
    expect((await fetchVia(net.seeds[0], host, '/good.bin')).headers['x-cache']).toBe('HIT');
  });

  it('refuses a tampered body with 502 and caches nothing, also without Content-Length', async () => {
    net = await createTestnet(2);
    const real = randomBytes(10_000, 2);
    const tampered = Buffer.from(real);
    tampered[5000] ^= 1;
    publish(origin, { '/t.bin': real, '/t2.bin': real });
    origin.routes.set('/t.bin', bytes(tampered));
    origin.routes.set('/t2.bin', (_req, res) => {
      res.writeHead(200); // chunked, and longer than the manifest says
      res.write(real);
      res.end('extra');
    });
    const host = originHost(origin);
    for (const path of ['/t.bin', '/t2.bin']) {
      const r = await fetchVia(net.seeds[0], host, path);
      expect(r.status).toBe(502);
      expect(r.headers['x-reef-error'], path + ' ' + r.body.toString()).toBe('verify-failed');
      expect(r.body.includes(real.subarray(0, 100))).toBe(false);
    }
    expect(net.seeds[0].proxy.stats().cacheObjects).toBe(0);
    expect(net.seeds[0].proxy.stats().verifyFailures).toBe(2);
    // nothing was cached or announced: the next request goes to the origin again, and seed B finds no peer
    await fetchVia(net.seeds[0], host, '/t.bin');
    expect(origin.count('/t.bin')).toBe(2);
    expect((await fetchVia(net.seeds[1], host, '/t.bin')).status).toBe(502);
    expect(net.seeds[1].proxy.stats().peerFetchesTried).toBe(0);
  });
});
