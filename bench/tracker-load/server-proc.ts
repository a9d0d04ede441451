// The tracker under test, in its own process: `reef` (our tracker) or `webtorrent` (bittorrent-tracker).
// Prints `READY <url>` once listening, then `RSS <bytes>` every 250 ms.
// argv: <impl> [cpu-profile dir]: then each SIGUSR2 starts or stops (and writes) a CPU profile, so a
// profile covers exactly one load step.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { startTrackerServer } from '../../tracker/server';

const [impl, profileDir] = process.argv.slice(2);
let url: string;
if (impl === 'reef') {
  const s = await startTrackerServer({ host: '127.0.0.1', port: 0 });
  url = s.url;
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
setInterval(() => process.stdout.write(`RSS ${process.memoryUsage().rss}\n`), 250);
process.on('SIGTERM', () => process.exit(0));

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
