// Sans-I/O tracker core throughput: the same announce/lookup mix as tracker-load, fed straight into
// the core (no sockets), to separate protocol cost from socket cost.   npx tsx bench/tracker-core.ts
import { createHash } from 'node:crypto';
import { systemClock } from '../shared/clock';
import { MemoryContentIndex } from '../tracker/content-index';
import { Tracker } from '../tracker/core';

const CLIENTS = 10_000;
const OBJECTS = 1_000;
const OPS = 400_000;
const sris = Array.from({ length: OBJECTS }, (_, i) => 'sha256-' + createHash('sha256').update(`object-${i}`).digest('base64'));
const rnd = (n: number) => Math.floor(Math.random() * n);

const index = new MemoryContentIndex(systemClock);
const tracker = new Tracker({ clock: systemClock, index, self: { id: 'ab'.repeat(20), addr: '127.0.0.1:1' } }, { messagesPerSec: 1e9, messageBurst: 1e9 });
let replies = 0;
const sessions = Array.from({ length: CLIENTS }, (_, i) => {
  const s = tracker.connect({ send: () => void replies++, close: () => {} });
  tracker.receive(s, JSON.stringify({ type: 'hello', v: 1, peerId: `bench-${String(i).padStart(6, '0')}`, rtts: [{ seed: `seed-${i % 4}`, rttMs: 10 }] }));
  return { s, own: Array.from({ length: 20 }, () => rnd(OBJECTS)) };
});
for (const { s, own } of sessions) tracker.receive(s, JSON.stringify({ type: 'announce', id: 1, objects: own.slice(0, 10).map((i) => ({ integrity: sris[i] })) }));
await new Promise((r) => setTimeout(r, 10));

const frames = Array.from({ length: OPS }, (_, k) => {
  const c = sessions[k % CLIENTS];
  const msg = k % 2 === 0
    ? { type: 'announce', id: k, objects: [{ integrity: sris[c.own[rnd(20)]] }] }
    : { type: 'lookup', id: k, integrity: sris[rnd(OBJECTS)], max: 5 };
  return { s: c.s, bytes: Buffer.from(JSON.stringify(msg)) };
});
replies = 0;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < frames.length; i++) {
  tracker.receive(frames[i].s, frames[i].bytes);
  if (i % 1000 === 999) await Promise.resolve(); // let handler continuations run, as the event loop would
}
while (replies < OPS) await new Promise((r) => setImmediate(r));
const s = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
// Per CPU-second as well: on a shared machine wall-clock time includes waiting for a core.
console.log(`tracker core: ${OPS} announce/lookup ops in ${s.toFixed(2)} s wall (${(OPS / s).toFixed(0)} ops/s), ${cpuS.toFixed(2)} s CPU (${(OPS / cpuS).toFixed(0)} ops per CPU-second); ${index.size().values} index values`);
index.close();
