// Node <-> Node transfer of one 64 MiB object: the fetch engine (pipelined 1 MiB chunk requests,
// 64 KiB pieces, every chunk SHA-256 verified and stored) against a raw node-datachannel transfer of
// the same bytes (simple-peer `send` of 64 KiB messages under the same bufferedAmount back-pressure),
// in the same run, alternating, on 127.0.0.1. Usage: npx tsx bench/peer-transfer.ts [rounds=3] [MiB=64]
// (PIECE_KIB=n sets the engine piece size; 64 is the default and measured best here).
import { createHash, randomBytes } from 'node:crypto';
import { MemoryChunkStore } from '../shared/fetch/chunk-store';
import type { ManifestObject } from '../shared/manifest';
import { createNodePeer } from '../peer/node-peer';
import { nodeRtcPeerFactory } from '../peer/node-rtc';
import { startTrackerServer } from '../tracker/server';
import { median } from './support';

const ROUNDS = Number(process.argv[2] ?? 3);
const SIZE = Number(process.argv[3] ?? 64) * 2 ** 20;
const CHUNK = 2 ** 20;
const MESSAGE = 64 * 1024;
const PIECE = Number(process.env.PIECE_KIB ?? 64) * 1024;
const HIGH_WATER = 4 * 2 ** 20;
const sri = (b: Uint8Array) => 'sha256-' + createHash('sha256').update(b).digest('base64');

function entryFor(bytes: Uint8Array): ManifestObject {
  const chunks: string[] = [];
  for (let o = 0; o < bytes.length; o += CHUNK) chunks.push(sri(bytes.subarray(o, o + CHUNK)));
  return { size: bytes.length, type: 'application/octet-stream', integrity: sri(bytes), chunkSize: CHUNK, chunks };
}

/** Raw: connect two simple-peers directly, push SIZE bytes, time first send to last byte received. */
async function rawTransfer(bytes: Uint8Array): Promise<number> {
  const create = nodeRtcPeerFactory({ bindAddress: '127.0.0.1' });
  const a = create({ initiator: true, iceServers: [] });
  const b = create({ initiator: false, iceServers: [] });
  a.on('signal', (d) => b.signal(d));
  b.on('signal', (d) => a.signal(d));
  await new Promise<void>((r) => a.on('connect', () => r()));
  const secs = await new Promise<number>((resolve) => {
    let got = 0;
    const t0 = performance.now();
    b.on('data', (d: Uint8Array) => {
      got += d.byteLength;
      if (got >= bytes.length) resolve((performance.now() - t0) / 1000);
    });
    let off = 0;
    const pump = () => {
      while (off < bytes.length && a.bufferSize < HIGH_WATER) {
        a.send(bytes.subarray(off, off + MESSAGE));
        off += MESSAGE;
      }
      if (off < bytes.length) setTimeout(pump, 2);
    };
    pump();
  });
  a.destroy();
  b.destroy();
  return secs;
}

/** Engine: a holder and a fetcher through a real tracker; the link is warmed by a small object first. */
async function engineTransfer(trackerUrl: string, bytes: Uint8Array, entry: ManifestObject): Promise<{ secs: number; coldSecs: number }> {
  const holder = await createNodePeer({ trackerUrl, bindAddress: '127.0.0.1', store: new MemoryChunkStore(), link: { pieceBytes: PIECE } });
  const fetcher = await createNodePeer({ trackerUrl, bindAddress: '127.0.0.1', store: new MemoryChunkStore(), fetch: { firstChunkDeadlineMs: 30_000, stallDeadlineMs: 30_000 } });
  await Promise.all([holder.engine.whenTrackerReady(5_000), fetcher.engine.whenTrackerReady(5_000)]);
  const small = randomBytes(CHUNK);
  const smallEntry = entryFor(small);
  await holder.engine.addObject('https://bench.example', smallEntry, small);
  await holder.engine.addObject('https://bench.example', entry, bytes);
  await new Promise((r) => setTimeout(r, 200)); // announces are coalesced
  const c0 = performance.now();
  const warm = await fetcher.engine.fetchObject({ site: 'https://bench.example', path: '/warm', entry: smallEntry, originUrl: 'http://127.0.0.1:9/warm' });
  const coldSecs = (performance.now() - c0) / 1000;
  if (warm.source.peer !== CHUNK) throw new Error('warm-up did not come from the peer');
  const t0 = performance.now();
  const r = await fetcher.engine.fetchObject({ site: 'https://bench.example', path: '/big', entry, originUrl: 'http://127.0.0.1:9/big' });
  const secs = (performance.now() - t0) / 1000;
  if (r.source.peer !== bytes.length || !Buffer.from(r.bytes).equals(Buffer.from(bytes))) throw new Error('engine transfer incomplete or wrong');
  await Promise.all([holder.stop(), fetcher.stop()]);
  return { secs, coldSecs };
}

const tracker = await startTrackerServer({ host: '127.0.0.1', port: 0 });
const bytes = new Uint8Array(randomBytes(SIZE));
const entry = entryFor(bytes);
const raw: number[] = [];
const eng: number[] = [];
const cold: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  raw.push(SIZE / (await rawTransfer(bytes)) / 1e6);
  const e = await engineTransfer(tracker.url, bytes, entry);
  eng.push(SIZE / e.secs / 1e6);
  cold.push(e.coldSecs * 1000);
  console.log(`round ${i + 1}: raw ${raw[i].toFixed(1)} MB/s, engine ${eng[i].toFixed(1)} MB/s (verified), first 1 MiB object incl. lookup+connect ${cold[i].toFixed(0)} ms`);
}
await tracker.close();
const ratio = median(eng) / median(raw);
console.log(`\n${SIZE / 2 ** 20} MiB Node<->Node over node-datachannel, ${ROUNDS} rounds (medians):`);
console.log(`  raw data channel     ${median(raw).toFixed(1)} MB/s`);
console.log(`  engine, verified     ${median(eng).toFixed(1)} MB/s  = ${ratio.toFixed(2)} x raw (target >= 0.8)`);
console.log(`  cold start 1 MiB     ${median(cold).toFixed(0)} ms (lookup + WebRTC connect + transfer)`);
process.exit(0);
