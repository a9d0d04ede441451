// The tracker under test, in its own process: `reef` (our tracker) or `webtorrent` (bittorrent-tracker).
// Prints `READY <url>` once listening, then `RSS <bytes>` every 250 ms.
// argv: <impl> [cpu-profile dir]: then each SIGUSR2 starts or stops (and writes) a CPU profile, so a
// profile covers exactly one load step. With REEF_LOOP_STATS=1, each `loop` line on stdin prints
// `LOOP <json>`: the event loop's stalls and GC pauses since the previous one (loop-monitor.ts).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';
import { setFlagsFromString } from 'node:v8';
import { MemoryContentIndex } from '../../tracker/content-index';
import { startTrackerServer } from '../../tracker/server';
import { LoopMonitor } from './loop-monitor';

const [impl, profileDir] = process.argv.slice(2);
// V8 flags for the tracker process alone (e.g. --trace-gc, or a GC setting under test).
if (process.env.REEF_TRACKER_V8_FLAGS) setFlagsFromString(process.env.REEF_TRACKER_V8_FLAGS);
const monitor = process.env.REEF_LOOP_STATS === '1' ? new LoopMonitor() : null;
let url: string;
if (impl === 'reef') {
  const s = await startTrackerServer({ host: '127.0.0.1', port: 0 });
  url = s.url;
  if (monitor) {
    // Periodic passes are named in the stall they fall into.
    const tick = s.tracker.tick.bind(s.tracker);
    s.tracker.tick = () => {
      const t = performance.now();
      tick();
      monitor.note(`tick ${(performance.now() - t).toFixed(1)}ms`);
    };
    const index = s.index as MemoryContentIndex;
    const sweep = index.sweep.bind(index);
    index.sweep = () => {
      const t = performance.now();
      sweep();
      monitor.note(`index-sweep ${(performance.now() - t).toFixed(1)}ms`);
    };
  }
} else if (impl === 'webtorrent') {
  const { Server } = await import('bittorrent-tracker');
  const s = new Server({ udp: false, http: false, ws: true, stats: false });
  s.on('warning', () => {});
  s.on('error', (e) => process.stderr.write(`webtorrent tracker error: ${String(e)}\n`));
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${s.http.address().port}`;
} else {
  throw new Error(`unknown impl ${impl}`);
}
process.stdout.write(`READY ${url}\n`);
if (monitor) {
  monitor.start();
  createInterface({ input: process.stdin }).on('line', (l) => {
    if (l === 'loop') process.stdout.write(`LOOP ${JSON.stringify(monitor.report())}\n`);
  });
}
setInterval(() => process.stdout.write(`RSS ${process.memoryUsage().rss}\n`), 250);
process.on('SIGTERM', () => process.exit(0));

// REEF_HEAP_SAMPLE=<start s>:<seconds>:<file>: a sampling heap profile of what the window allocated and
// the young generation did not collect (promoted, live or not): where old-generation garbage comes from.
// Needs --expose-gc (two young-generation GCs at the end promote or free every young survivor); a full
// GC inside the window frees promoted garbage unseen (check with --trace-gc).
if (process.env.REEF_HEAP_SAMPLE) {
  const [start, seconds, file] = process.env.REEF_HEAP_SAMPLE.split(':');
  const inspector = new Session();
  inspector.connect();
  const gc = (globalThis as { gc?: (o?: object) => void }).gc;
  setTimeout(async () => {
    gc?.(); // a full GC now puts the next one (which would free promoted garbage unseen) seconds away
    await inspector.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true, // stopSampling runs a full GC itself
      includeObjectsCollectedByMinorGC: process.env.REEF_HEAP_SAMPLE_ALL === '1', // every allocation, not only survivors
    } as never);
    setTimeout(async () => {
      gc?.({ type: 'minor' });
      gc?.({ type: 'minor' });
      const { profile } = await inspector.post('HeapProfiler.stopSampling');
      writeFileSync(file, JSON.stringify(profile));
      process.stdout.write(`HEAP-SAMPLED ${file}\n`);
    }, Number(seconds) * 1000);
  }, Number(start) * 1000);
}

if (profileDir) {
  const inspector = new Session();
  inspector.connect();
  await inspector.post('Profiler.enable');
  let profiling = false;
  let n = 0;
  process.on('SIGUSR2', async () => {
    profiling = !profiling;
    if (profiling) return void (await inspector.post('Profiler.start'));
    const { profile } = await inspector.post('Profiler.stop');
    const file = `${profileDir}/${impl}-${++n}.cpuprofile`;
    writeFileSync(file, JSON.stringify(profile));
    process.stdout.write(`PROFILED ${file}\n`);
  });
}
