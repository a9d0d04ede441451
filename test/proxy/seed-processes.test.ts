// Coral cooperation between real `reef seed` processes: an object one seed fetched from the origin is served
// to the other seeds' clients from that seed's cache (found through the shared index), never from the origin again.
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeedProcess, status, waitFor, type SeedProcess } from '../support/seed-process';
import { bytes, randomBytes, startOrigin, type Origin, type Reply } from './helpers';

const ZONE = 'reef.test';
const SEED_ARGS = ['--zone', ZONE, '--allow-private-origins', '--allow-http-origins'];
let root: string;
let origin: Origin;
const seeds: SeedProcess[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reef-proxy-seeds-'));
  origin = await startOrigin();
  seeds.push(await startSeedProcess({ dataDir: join(root, 'a'), extraArgs: SEED_ARGS }));
  seeds.push(...(await Promise.all(['b', 'c'].map((d) => startSeedProcess({ dataDir: join(root, d), bootstrap: [seeds[0].dht], extraArgs: SEED_ARGS })))));
  await waitFor('every seed to know the other two', async () => (await Promise.all(seeds.map(status))).every((s) => s.joined && s.contacts >= 2));
}, 60_000);

afterAll(async () => {
  await Promise.all(seeds.map((s) => s.stop('SIGKILL')));
  await origin?.close();
  await rm(root, { recursive: true, force: true });
});

function get(seed: SeedProcess, path: string): Promise<Reply> {
  const { hostname, port } = new URL(seed.http);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, headers: { host: `localhost.${origin.port}.${ZONE}` }, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('three seed processes sharing one index', () => {
  it('a miss on seed B is served from seed A, and the origin is asked once', async () => {
    const body = randomBytes(200_000, 11);
    origin.routes.set('/shared.bin', bytes(body, { 'cache-control': 'max-age=600', etag: '"s1"' }));

    const fromA = await get(seeds[0], '/shared.bin');
    expect(fromA.status).toBe(200);
    expect(fromA.headers['x-cache']).toBe('MISS');
    expect(fromA.body.equals(body)).toBe(true);
    // The "fetching" and "held" pointers are put in the background once the body is stored.
    await waitFor('seed A to announce the object in the index', async () => (await status(seeds[0])).cache.indexPointersPut >= 2);

    const fromB = await get(seeds[1], '/shared.bin');
    expect(fromB.status).toBe(200);
    expect(fromB.headers['x-cache']).toBe('PEER');
    expect(fromB.body.equals(body)).toBe(true);
    expect(fromB.headers.via).toContain(`reef-${seeds[1].nodeId}`);

    const fromC = await get(seeds[2], '/shared.bin');
    expect(fromC.headers['x-cache']).toBe('PEER');
    expect(fromC.body.equals(body)).toBe(true);

    // B now holds its own copy: a second request there is a local hit.
    const againB = await get(seeds[1], '/shared.bin');
    expect(againB.headers['x-cache']).toBe('HIT');
    expect(againB.body.equals(body)).toBe(true);

    expect(origin.count('/shared.bin')).toBe(1);
    const [a, b, c] = await Promise.all(seeds.map(status));
    expect(a.cache.servedToPeers).toBeGreaterThanOrEqual(1);
    expect(b.cache.peerHits + c.cache.peerHits).toBe(2);
    expect(a.cache.originFetches + b.cache.originFetches + c.cache.originFetches).toBe(1);
  }, 30_000);
});
