// CoralCDN's production lessons, one test each, over real sockets.
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytes, createTestnet, fetchVia, originHost, randomBytes, startOrigin, ZONE, type Origin, type Testnet } from './helpers';

let origin: Origin;
let net: Testnet;

beforeEach(async () => {
  origin = await startOrigin({ '/ok': bytes('fine', { 'cache-control': 'max-age=60' }) });
});
afterEach(async () => {
  await net?.close();
  await origin.close();
});

function rawRequest(port: number, text: string | Buffer, waitMs = 300): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (b) => (out += b.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => resolve(out));
    s.write(text);
    setTimeout(() => s.destroy(), waitMs);
  });
}

describe('abuse controls', () => {
  it('allows only GET and HEAD', async () => {
    net = await createTestnet(1);
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const r = await fetchVia(net.seeds[0], originHost(origin), '/ok', { method });
      expect(r.status).toBe(405);
      expect(r.headers['x-reef-error']).toBe('method-not-allowed');
    }
    expect(origin.count('/ok')).toBe(0);
  });

  it('strips cookies (and credentials) in both directions', async () => {
    net = await createTestnet(1);
    origin.routes.set('/c', bytes('c', { 'set-cookie': 'session=abc; Path=/' }));
    const r = await fetchVia(net.seeds[0], originHost(origin), '/c', { headers: { cookie: 'user=me', authorization: 'Basic eDp5' } });
    expect(r.status).toBe(200);
    expect(r.headers['set-cookie']).toBeUndefined();
    const seen = origin.lastHeaders.get('/c')!;
    expect(seen.cookie).toBeUndefined();
    expect(seen.authorization).toBeUndefined();
    expect(seen.via).toContain('reef-seed1');
    const hit = await fetchVia(net.seeds[0], originHost(origin), '/c');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['set-cookie']).toBeUndefined();
  });

  it('enforces the maximum object size, with and without Content-Length', async () => {
    net = await createTestnet(1, { limits: { maxObjectBytes: 100_000 } });
    origin.routes.set('/big', bytes(randomBytes(200_000)));
    origin.routes.set('/big-chunked', (_req, res) => {
      res.writeHead(200);
      for (let i = 0; i < 20; i++) res.write(randomBytes(10_000, i + 1));
      res.end();
    });
    const big = await fetchVia(net.seeds[0], originHost(origin), '/big');
    expect(big.status).toBe(502);
    expect(big.headers['x-reef-error']).toBe('too-large');
    // without a length the proxy has already begun streaming: the client sees a cut connection, never a whole body
    const chunked = await fetchVia(net.seeds[0], originHost(origin), '/big-chunked').catch((e: Error) => e);
    expect(chunked instanceof Error ? 0 : chunked.body.length).toBeLessThan(200_000);
    expect(net.seeds[0].proxy.stats().cacheObjects).toBe(0);
    expect(net.seeds[0].proxy.stats().errors['too-large']).toBe(2);
  });

  it('limits request rate per client and bytes per client', async () => {
    net = await createTestnet(1, { limits: { clientRequestsPerSec: 1, clientRequestBurst: 3 } });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetchVia(net.seeds[0], originHost(origin), '/ok')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const net2 = await createTestnet(1, { limits: { clientBytesPerSec: 1, clientByteBurst: 10_000 } });
    try {
      origin.routes.set('/20k', bytes(randomBytes(20_000)));
      expect((await fetchVia(net2.seeds[0], originHost(origin), '/20k')).status).toBe(200); // goes into debt
      const r = await fetchVia(net2.seeds[0], originHost(origin), '/20k');
      expect(r.status).toBe(429);
      expect(r.headers['x-reef-error']).toBe('client-quota');
    } finally {
      await net2.close();
    }
  });

  it('limits request rate per origin across clients', async () => {
    net = await createTestnet(1, { limits: { originRequestsPerSec: 1, originRequestBurst: 2 } });
    const other = await startOrigin({ '/ok': bytes('other') });
    try {
      const a = [];
      for (let i = 0; i < 3; i++) a.push((await fetchVia(net.seeds[0], originHost(origin), '/ok')).status);
      expect(a).toEqual([200, 200, 429]);
      expect((await fetchVia(net.seeds[0], originHost(other), '/ok')).status).toBe(200); // another site is unaffected
    } finally {
      await other.close();
    }
  });

  it('refuses origins that resolve to private, loopback or link-local addresses', async () => {
    net = await createTestnet(0);
    const addrs: Record<string, string[]> = {
      'intranet.example': ['10.1.2.3'],
      'metadata.example': ['169.254.169.254'],
      'mixed.example': ['93.184.216.34', '192.168.1.1'],
      'v6.example': ['fe80::1'],
      'loop.example': ['127.0.0.1'],
    };
    const seed = await net.add({ allowPrivateOrigins: false, allowHttpOrigins: true, resolveHost: async (h) => addrs[h] ?? [] });
    for (const host of Object.keys(addrs)) {
      const r = await fetchVia(seed, `${host}.${origin.port}.${ZONE}`, '/ok');
      expect(r.status, host).toBe(403);
      expect(r.headers['x-reef-error']).toBe('private-origin');
    }
    // an IP literal name is checked too
    expect((await fetchVia(seed, `127.0.0.1.${origin.port}.${ZONE}`, '/ok')).headers['x-reef-error']).toBe('private-origin');
    expect(origin.count('/ok')).toBe(0);
  });

  it('speaks only HTTPS to origins unless plain HTTP is allowed', async () => {
    net = await createTestnet(0);
    const seed = await net.add({ allowHttpOrigins: false, limits: { originHeadersTimeoutMs: 2000 } });
    const r = await fetchVia(seed, originHost(origin), '/ok');
    expect(r.status).toBe(502); // a TLS handshake to a plain-HTTP server fails
    expect(origin.count('/ok')).toBe(0);
  });

  it('is never an open proxy', async () => {
    net = await createTestnet(1);
    const port = net.seeds[0].port;
    const abs = await rawRequest(port, `GET http://127.0.0.1:${origin.port}/ok HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nConnection: close\r\n\r\n`);
    expect(abs).toMatch(/^HTTP\/1\.1 403/);
    expect(abs).toContain('open-proxy-refused');
    const other = await fetchVia(net.seeds[0], `127.0.0.1:${origin.port}`, '/ok');
    expect(other.status).toBe(404); // a Host outside the zone is not proxied
    expect(origin.count('/ok')).toBe(0);
    // an absolute-form request for a name under the zone is fine
    const inZone = await rawRequest(port, `GET http://${originHost(origin)}/ok HTTP/1.1\r\nHost: ${originHost(origin)}\r\nConnection: close\r\n\r\n`);
    expect(inZone).toMatch(/^HTTP\/1\.1 200/);
  });

  it('detects loops through Via and refuses origins named under the zone', async () => {
    net = await createTestnet(1);
    const own = await fetchVia(net.seeds[0], originHost(origin), '/ok', { headers: { via: '1.1 reef-seed1' } });
    expect(own.status).toBe(508);
    const many = await fetchVia(net.seeds[0], originHost(origin), '/ok', { headers: { via: '1.1 a, 1.1 b, 1.1 c, 1.1 d, 1.1 e' } });
    expect(many.headers['x-reef-error']).toBe('loop-detected');
    const nested = await fetchVia(net.seeds[0], `x.${ZONE}.${ZONE}`, '/ok');
    expect(nested.headers['x-reef-error']).toBe('bad-host');
    expect(origin.count('/ok')).toBe(0);
  });

  it('times out a silent origin', async () => {
    net = await createTestnet(1, { limits: { originHeadersTimeoutMs: 200, originIdleTimeoutMs: 200 } });
    origin.routes.set('/hang', () => {});
    origin.routes.set('/stall', (_req, res) => {
      res.writeHead(200, { 'content-length': 100 });
      res.write('partial');
    });
    const t0 = Date.now();
    const r = await fetchVia(net.seeds[0], originHost(origin), '/hang');
    expect(r.status).toBe(504);
    expect(r.headers['x-reef-error']).toBe('origin-timeout');
    expect(Date.now() - t0).toBeLessThan(2000);
    const stalled = await fetchVia(net.seeds[0], originHost(origin), '/stall').catch((e: Error) => e);
    expect(stalled).toBeInstanceOf(Error); // headers were out; the cut connection tells the client
    expect(net.seeds[0].proxy.stats().cacheObjects).toBe(0);
  });

  it.each([
    ['from the content file', {}],
    ['from the in-memory hot set', { memoryObjectMaxBytes: 32 * 1024 * 1024, memoryCacheBytes: 64 * 1024 * 1024 }],
  ])('disconnects a client that stops reading a hit %s', async (_where, limits) => {
    net = await createTestnet(1, { limits: { slowClientMs: 300, ...limits } });
    origin.routes.set('/huge', bytes(randomBytes(30 * 1024 * 1024)));
    await fetchVia(net.seeds[0], originHost(origin), '/huge');
    while (net.seeds[0].proxy.stats().cacheObjects === 0) await new Promise((r) => setTimeout(r, 20)); // stored: the next request is a hit
    const s = connect(net.seeds[0].port, '127.0.0.1');
    s.on('error', () => {});
    s.write(`GET /huge HTTP/1.1\r\nHost: ${originHost(origin)}\r\n\r\n`);
    s.pause(); // never read
    const conns = () => new Promise<number>((r) => net.seeds[0].server.getConnections((_e, n) => r(n)));
    await new Promise((r) => setTimeout(r, 200));
    expect(await conns()).toBe(1);
    const deadline = Date.now() + 3000;
    while ((await conns()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await conns()).toBe(0);
    s.destroy();
  });

  it('survives garbage on the socket and malformed names', async () => {
    net = await createTestnet(1);
    const port = net.seeds[0].port;
    for (let i = 0; i < 30; i++) await rawRequest(port, randomBytes(200 + i * 10, i + 1), 50);
    const odd = [`..${ZONE}`, `-bad-.80.${ZONE}`, `a.99999.${ZONE}`, `a.0.${ZONE}`, `${'a'.repeat(64)}.${ZONE}`, `[::1]:80`];
    for (const host of odd) {
      const r = await fetchVia(net.seeds[0], host, '/ok');
      expect([400, 404]).toContain(r.status);
    }
    for (const path of ['/%', '/a/../../b', '/\u0001', '/' + 'x'.repeat(9000)]) {
      const r = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: ${originHost(origin)}\r\nConnection: close\r\n\r\n`, 300);
      expect(r).toMatch(/^HTTP\/1\.1 (200|400|404|431)/);
    }
    expect((await fetchVia(net.seeds[0], originHost(origin), '/ok')).status).toBe(200);
  });
});
