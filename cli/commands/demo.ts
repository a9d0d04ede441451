// `reef demo` (npm start): a whole Reef network on loopback, with the URLs to try and a live status line.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { UsageError } from '../errors';

interface DemoFlags {
  seeds: string;
  peers: string;
  exitAfter?: string;
  logLevel: string;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run a demo network on loopback: seeds in three emulated regions, a publisher site with a signed manifest, headless peers')
    .option('--seeds <n>', 'seed nodes (3 regions, round robin)', '3')
    .option('--peers <n>', 'headless peers seeding the site', '3')
    .option('--exit-after <seconds>', 'stop by itself after this many seconds (for scripts)')
    .option('--log-level <level>', 'log level of the components (logs go to stderr)', 'warn')
    .action(async (f: DemoFlags) => {
      const seeds = Number(f.seeds);
      const peers = Number(f.peers);
      if (!Number.isInteger(seeds) || seeds < 1 || seeds > 30) throw new UsageError(`--seeds must be 1..30, got "${f.seeds}"`);
      if (!Number.isInteger(peers) || peers < 0 || peers > 50) throw new UsageError(`--peers must be 0..50, got "${f.peers}"`);
      const exitAfter = f.exitAfter === undefined ? undefined : Number(f.exitAfter);
      if (exitAfter !== undefined && !(exitAfter > 0)) throw new UsageError(`--exit-after must be a positive number of seconds, got "${f.exitAfter}"`);
      const { startDemo } = await import('../../demo/network');
      process.stdout.write('starting the Reef demo network on loopback...\n');
      const net = await startDemo({ seeds, peers, logLevel: f.logLevel });
      printUrls(net);
      await runUntilStopped(net, exitAfter);
    });
}

function printUrls(net: Awaited<ReturnType<typeof import('../../demo/network').startDemo>>): void {
  const originPort = new URL(net.origin.url).port;
  const first = net.seeds[0].seed.status();
  const httpPort = first.addresses.http.split(':').pop();
  const dnsPort = first.addresses.dns.split(':').pop();
  const extensionDir = fileURLToPath(new URL('../../dist/extension', import.meta.url));
  const lines = [
    '',
    `  the site, straight from its origin:   ${net.origin.url}/`,
    `  the site through a seed proxy:        http://localhost.${originPort}.reef.localhost:${httpPort}/`,
    `  its signed manifest:                  ${net.origin.url}/.well-known/reef.json (publisher key ${net.publicKey})`,
    `  the unpacked extension:               ${extensionDir}${existsSync(extensionDir) ? '' : '  (not built yet: npm run build)'}`,
    `  ask a seed's DNS for a proxy:         dig @127.0.0.1 -p ${dnsPort} localhost.${originPort}.reef.localhost`,
    ...net.seeds.map((s, i) => `  seed ${i + 1} (${s.region.padEnd(4)}) status:         http://${s.seed.status().addresses.http}/.well-known/reef/status  tracker ${s.seed.status().addresses.tracker}`),
    '',
    '  In the extension options, set the seed to the tracker URL of seed 1 and allow loopback http origins.',
    '  Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

async function runUntilStopped(net: Awaited<ReturnType<typeof import('../../demo/network').startDemo>>, exitAfterSec?: number): Promise<void> {
  const tty = process.stdout.isTTY;
  const tick = setInterval(() => {
    const line = net.statusLine();
    process.stdout.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  }, tty ? 1000 : 5000);
  await new Promise<void>((resolve) => {
    const timer = exitAfterSec ? setTimeout(() => stop('time is up'), exitAfterSec * 1000) : undefined;
    function stop(why: string) {
      clearInterval(tick);
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onInt).off('SIGTERM', onTerm);
      process.stdout.write(`${tty ? '\n' : ''}stopping (${why})... final: ${net.statusLine()}\n`);
      void net.stop().then(resolve);
    }
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt).on('SIGTERM', onTerm);
  });
}
