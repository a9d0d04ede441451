// A second visitor after the first one's browser went away (the browser gallery bench: run 1 from the
// peer, runs 2 and 3 all from the origin at ~4 s). Dead first visitors turned out not to be the cause:
// two races in setting up the link to the live holder were (the last two tests), and the first two tests
// hold the requirements around them: the page comes from the live holder, and a peer that hangs delays
// nothing past the first-chunk deadline. Real node-datachannel peers, a real tracker and a real origin
// on 127.0.0.1; first visitors run in their own processes so they can die the hard way.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryChunkStore } from '../../shared/fetch/chunk-store';
import { FetchEngine } from '../../shared/fetch/engine';
import { FETCH_DEFAULTS } from '../../shared/fetch/object-fetch';
import { SWARM_DEFAULTS } from '../../shared/fetch/swarm';
import { systemClock, type CreatePeer, type WebSocketLike } from '../../shared/fetch/types';
import type { ManifestObject } from '../../shared/manifest';
import { NODE_PEER_DEFAULTS } from '../../peer/node-peer';
import { nodeHttpFetch } from '../../peer/node-http-fetch';
import { nodeRtcPeerFactory } from '../../peer/node-rtc';
import { closeAll, entryFor, holders, origin, peer, randomObject, tracker, type Origin } from './helpers';

const SITE = 'https://site.example';
const VISITOR = fileURLToPath(new URL('./visitor-process.ts', import.meta.url));
const children: ChildProcess[] = [];
const engines: FetchEngine[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(engines.splice(0).map((e) => e.stop()));
  await closeAll();
});

/** A page of `n` objects (~40 KiB each, like the gallery's images) on a real origin. */
async function page(n: number): Promise<{ objects: { path: string; entry: ManifestObject; bytes: Uint8Array }[]; o: Origin }> {
  const objects = Array.from({ length: n }, (_, i) => {
    const bytes = randomObject(40 * 1024 + i);
    return { path: `/img/${i}.png`, entry: entryFor(bytes, 64 * 1024), bytes };
  });
  const o = await origin(Object.fromEntries(objects.map((x) => [x.path, x.bytes])));
  return { objects, o };
}

/** Starts a visitor process that fetches the page; resolves once it has, with where its bytes came from. */
function visit(trackerUrl: string, originUrl: string, objects: { path: string; entry: ManifestObject }[]): Promise<{ child: ChildProcess; peer: number; origin: number }> {
  const arg = JSON.stringify(objects.map(({ path, entry }) => ({ path, entry })));
  const child = spawn(process.execPath, ['--import', 'tsx', VISITOR, trackerUrl, originUrl, arg], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, ...JSON.parse(line) });
    });
    child.once('exit', (code) => reject(new Error(`visitor exited (${code}): ${err}`)));
  });
}

/** A peer holding every object of the page, once the tracker lists it for each. */
async function holderOf(trackerUrl: string, objects: { entry: ManifestObject; bytes: Uint8Array }[]): Promise<void> {
  const holder = await peer(trackerUrl);
  for (const x of objects) await holder.engine.addObject(SITE, x.entry, x.bytes);
  for (const x of objects) await holders(trackerUrl, x.entry.integrity, 1);
}

async function fetchPage(e: FetchEngine, o: Origin, objects: { path: string; entry: ManifestObject; bytes: Uint8Array }[]) {
  const t0 = Date.now();
  const rs = await Promise.all(objects.map((x) => e.fetchObject({ site: SITE, path: x.path, entry: x.entry, originUrl: o.url + x.path })));
  rs.forEach((r, i) => expect(Buffer.from(r.bytes).equals(Buffer.from(objects[i].bytes))).toBe(true));
  return { ms: Date.now() - t0, peer: rs.reduce((n, r) => n + r.source.peer, 0), origin: rs.reduce((n, r) => n + r.source.origin, 0) };
}

/** A Node engine like `reef peer`'s, with the WebRTC factory given (createNodePeer always uses the plain one). */
async function engineWith(trackerUrl: string, createPeer: CreatePeer): Promise<FetchEngine> {
  const e = new FetchEngine({
    clock: systemClock,
    trackerSocket: () => new WebSocket(trackerUrl, { perMessageDeflate: false }) as unknown as WebSocketLike,
    createPeer,
    store: new MemoryChunkStore(),
    httpFetch: nodeHttpFetch,
    policy: () => NODE_PEER_DEFAULTS,
  });
  engines.push(e);
  await e.start();
  if (!(await e.whenTrackerReady(5_000))) throw new Error('engine did not reach the tracker');
  return e;
}

describe('a repeat visitor', () => {
  it("gets the page from the holder after the first visitor's process was killed, while a frozen one is still listed", async () => {
    const t = await tracker();
    const { objects, o } = await page(20);
    await holderOf(t.url, objects);

    // First visitor: everything from the holder, then its process dies without a word.
    const first = await visit(t.url, o.url, objects);
    expect(first).toMatchObject({ peer: objects.reduce((n, x) => n + x.bytes.length, 0), origin: 0 });
    // Second visitor, frozen after its visit: the tracker keeps listing it and dials to it hang.
    const frozen = await visit(t.url, o.url, objects);
    for (const x of objects) await holders(t.url, x.entry.integrity, 3);
    first.child.kill('SIGKILL');
    frozen.child.kill('SIGSTOP');

    const c = await peer(t.url);
    const r = await fetchPage(c.engine, o, objects);
    expect(r).toMatchObject({ peer: objects.reduce((n, x) => n + x.bytes.length, 0), origin: 0 });
    // Not held up by the frozen candidate's dial (it times out only after connectTimeoutMs).
    expect(r.ms).toBeLessThan(SWARM_DEFAULTS.connectTimeoutMs);
    expect(o.hits).toEqual([]);
  });

  it('falls back to the origin by the first-chunk deadline when the only listed holder hangs', async () => {
    const t = await tracker();
    const { objects, o } = await page(10);
    // It fetched the page from the origin, announced it, and froze.
    const frozen = await visit(t.url, o.url, objects);
    for (const x of objects) await holders(t.url, x.entry.integrity, 1);
    frozen.child.kill('SIGSTOP');
    o.hits.length = 0;

    const c = await peer(t.url);
    const r = await fetchPage(c.engine, o, objects);
    expect(r.origin).toBe(objects.reduce((n, x) => n + x.bytes.length, 0));
    // The dial to the frozen peer would take connectTimeoutMs; the fallback starts at firstChunkDeadlineMs.
    expect(FETCH_DEFAULTS.firstChunkDeadlineMs + 1_500).toBeLessThan(SWARM_DEFAULTS.connectTimeoutMs);
    expect(r.ms).toBeLessThan(FETCH_DEFAULTS.firstChunkDeadlineMs + 1_500);
  });

  it("uses a holder whose hello arrives before the local 'connect' event (Chromium's order under load)", async () => {
    const t = await tracker();
    const { objects, o } = await page(10);
    await holderOf(t.url, objects);

    // simple-peer emits 'connect' only after an asynchronous getStats() once the channel is open; in a busy
    // browser that took long enough for the holder's hello (sent on its own 'connect') to arrive first.
    // Real node-datachannel peers, with that event delivered 400 ms late on the fetcher's side.
    const plain = nodeRtcPeerFactory({ bindAddress: '127.0.0.1' });
    const lateConnect: CreatePeer = (opts) => {
      const p = plain(opts);
      const on = p.on.bind(p) as (ev: string, fn: (...a: unknown[]) => void) => unknown;
      (p as { on: unknown }).on = (ev: string, fn: (...a: unknown[]) => void) =>
        on(ev, ev === 'connect' ? (...a: unknown[]) => void setTimeout(() => fn(...a), 400) : fn);
      return p;
    };
    const c = await engineWith(t.url, lateConnect);
    const r = await fetchPage(c, o, objects);
    expect(r).toMatchObject({ peer: objects.reduce((n, x) => n + x.bytes.length, 0), origin: 0 });
    // Dropped requests would have waited for their chunk timeouts (3 s and more) and then the origin.
    expect(r.ms).toBeLessThan(FETCH_DEFAULTS.chunkTimeoutBaseMs);
    expect(o.hits).toEqual([]);
  });

  it('keeps waiting for a holder while its dial retries an aborted handshake', async () => {
    const t = await tracker();
    const { objects, o } = await page(10);
    await holderOf(t.url, objects);

    // node-datachannel now and then aborts a first handshake under load; here the first connection dies
    // right after its offer, for sure. Between that attempt and the next, every other object of the page
    // saw no link to the holder "being set up" and went to the origin.
    const plain = nodeRtcPeerFactory({ bindAddress: '127.0.0.1' });
    let aborted = false;
    const abortFirst: CreatePeer = (opts) => {
      const p = plain(opts);
      if (opts.initiator && !aborted) {
        aborted = true;
        p.on('signal', () => setImmediate(() => p.destroy()));
      }
      return p;
    };
    const c = await engineWith(t.url, abortFirst);
    const r = await fetchPage(c, o, objects);
    expect(aborted).toBe(true);
    expect(r).toMatchObject({ peer: objects.reduce((n, x) => n + x.bytes.length, 0), origin: 0 });
    expect(o.hits).toEqual([]);
  });
});
