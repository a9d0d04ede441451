// Issue #4 acceptance over real processes: five `reef seed` processes form the index; a browser-like client on
// seed 1 is found by one on seed 5 and they exchange signalling; two seeds die and lookups still work;
// a restarted seed rejoins with its old id.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrackerClient } from '../../tracker/client';
import { startSeedProcess, status, waitFor, type SeedProcess } from '../support/seed-process';

const INTEGRITY = 'sha256-' + Buffer.alloc(32, 7).toString('base64');
let root: string;
const seeds: SeedProcess[] = [];
const clients: TrackerClient[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reef-seeds-'));
  seeds.push(await startSeedProcess({ dataDir: join(root, 's1'), extraArgs: ['--ice-server', 'stun:stun.example.org:3478'] }));
  const rest = await Promise.all([2, 3, 4, 5].map((i) => startSeedProcess({ dataDir: join(root, `s${i}`), bootstrap: [seeds[0].dht] })));
  seeds.push(...rest);
  await waitFor('every seed to know the other four', async () => {
    const all = await Promise.all(seeds.map(status));
    return all.every((s) => s.joined && s.contacts >= 4);
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await Promise.all(seeds.map((s) => s.stop('SIGKILL')));
  await rm(root, { recursive: true, force: true });
});

async function client(seed: SeedProcess, peerId: string): Promise<TrackerClient> {
  const c = await TrackerClient.connect(seed.tracker);
  clients.push(c);
  await c.hello({ peerId });
  return c;
}

describe('five seed processes', () => {
  it('hands browsers the ICE servers the operator configured', async () => {
    const c = await TrackerClient.connect(seeds[0].tracker);
    clients.push(c);
    const welcome = await c.hello({ peerId: 'peer-iceiceice' });
    expect(welcome.iceServers).toEqual([{ urls: 'stun:stun.example.org:3478' }]);
  });

  it('a peer announced on seed 1 is found from seed 5, and signalling crosses seeds', async () => {
    const a = await client(seeds[0], 'peer-aaaaaaaa');
    const b = await client(seeds[4], 'peer-bbbbbbbb');
    await a.announce([{ integrity: INTEGRITY }]);
    const found = await waitFor('the announcement via seed 5', async () => {
      const r = await b.lookup(INTEGRITY);
      return r.peers.length > 0 ? r : undefined;
    });
    expect(found.peers.map((p) => p.peerId)).toEqual(['peer-aaaaaaaa']);
    expect(found.peers[0].tracker?.id ?? found.peers[0]).toBeTruthy();

    const gotOffer = new Promise<any>((resolve) => (a.onSignal = resolve));
    const gotAnswer = new Promise<any>((resolve) => (b.onSignal = resolve));
    await b.signal('peer-aaaaaaaa', 'sid-1', { kind: 'offer', sdp: 'v=0 offer' }, INTEGRITY);
    const offer = await gotOffer;
    expect(offer).toMatchObject({ from: 'peer-bbbbbbbb', sid: 'sid-1', data: { kind: 'offer', sdp: 'v=0 offer' } });
    await a.signal('peer-bbbbbbbb', 'sid-1', { kind: 'answer', sdp: 'v=0 answer' }, INTEGRITY);
    expect(await gotAnswer).toMatchObject({ from: 'peer-aaaaaaaa', data: { kind: 'answer' } });
    const s1 = await status(seeds[0]);
    const s5 = await status(seeds[4]);
    expect(s5.tracker.signalsRelayed + s1.tracker.signalsRelayed).toBeGreaterThanOrEqual(2);
  });

  it('lookups still succeed after two seeds are killed', async () => {
    const oldId = seeds[1].nodeId;
    expect(await seeds[1].stop('SIGKILL')).toBeNull();
    await seeds[2].stop('SIGKILL');
    const c = await client(seeds[3], 'peer-cccccccc');
    const r = await waitFor('a lookup with two seeds down', async () => {
      const res = await c.lookup(INTEGRITY);
      return res.peers.length > 0 ? res : undefined;
    }, 20_000);
    expect(r.peers[0].peerId).toBe('peer-aaaaaaaa');

    // Restart seed 2 from its data dir: same node id, and it knows the others again without a bootstrap list.
    const again = await startSeedProcess({ dataDir: join(root, 's2') });
    seeds[1] = again;
    expect(again.nodeId).toBe(oldId);
    await waitFor('the restarted seed to rejoin from its saved contacts', async () => (await status(again)).contacts >= 2, 15_000);
  }, 60_000);

  it('SIGTERM leaves cleanly: exit 0 and contacts persisted', async () => {
    const code = await seeds[4].stop('SIGTERM');
    expect(code).toBe(0);
  });
});
