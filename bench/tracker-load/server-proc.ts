// The tracker under test, in its own process: `reef` (our tracker) or `webtorrent` (bittorrent-tracker).
// Prints `READY <url>` once listening, then `RSS <bytes>` every 250 ms.
import { startTrackerServer } from '../../tracker/server';

const impl = process.argv[2];
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
// Exit cleanly on SIGTERM so `node --cpu-prof` can write its profile when profiling the tracker.
process.on('SIGTERM', () => process.exit(0));
