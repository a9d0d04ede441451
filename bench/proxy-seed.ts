// The seed proxy of bench/proxy.ts in its own process (as a seed runs: its own Node process, on the V8 flags
// bin/reef.js gives `reef seed`), so the bench driver's own work never lands on the process measured.
// Prints `port <n>` when listening; on SIGTERM prints the proxy's stats as one JSON line and exits.
//
//   node <flags> --import tsx bench/proxy-seed.ts <zone> <cacheDir>
import { MemoryContentIndex } from '../tracker/content-index';
import { systemClock } from '../shared/clock';
import { startProxyServer } from '../seed-node/proxy/proxy';

const [zone, cacheDir] = process.argv.slice(2);
const index = new MemoryContentIndex(systemClock);
const seed = await startProxyServer({
  zone,
  cacheDir,
  cacheSizeBytes: 1024 * 1024 * 1024,
  index,
  self: { id: 'bench' },
  allowPrivateOrigins: true,
  allowHttpOrigins: true,
  // one load generator is one client address: lift the per-client and per-origin quotas for the bench
  limits: { clientRequestsPerSec: 1e9, clientRequestBurst: 1e9, clientBytesPerSec: 1e15, clientByteBurst: 1e15, originRequestsPerSec: 1e9, originRequestBurst: 1e9, originBytesPerSec: 1e15, originByteBurst: 1e15 },
  host: '127.0.0.1',
  port: 0,
});
process.stdout.write(`port ${seed.port}\n`);
process.once('SIGTERM', () => {
  process.stdout.write(JSON.stringify(seed.proxy.stats()) + '\n');
  void seed.close().then(() => {
    index.close();
    process.exit(0);
  });
});
