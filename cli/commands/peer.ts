// `reef peer`: a headless Reef peer (seed a site from a directory, fetch through the network).
// The implementation is imported inside the action so other commands never load WebRTC.
import { stat } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../errors';

interface PeerCliOptions {
  tracker?: string;
  seedSite: string[];
  origin?: string;
  cacheDir?: string;
  serve: boolean;
  uploadRate?: number;
  uploadMonth?: number;
  bindAddress?: string;
  fetch: string[];
  once?: boolean;
  statusEvery: number;
}

export function registerPeer(program: Command): void {
  program
    .command('peer')
    .description('run a headless peer: seed sites from directories, fetch objects from peers (then seed proxy, then origin)')
    .option('--tracker <url>', 'tracker WebSocket URL, e.g. ws://127.0.0.1:8470/.well-known/reef/tracker (required)')
    .option('--seed-site <dir...>', 'serve a site directory: verify it against <dir>/.well-known/reef.json and announce it', [])
    .option('--origin <url>', 'origin that relative --fetch paths belong to')
    .option('--cache-dir <dir>', 'keep verified chunks in this directory (default: memory only)')
    .option('--serve', 'serve peers (default)', true)
    .option('--no-serve', 'fetch but never serve')
    .option('--upload-rate <bytes/s>', 'upload rate cap (k/m suffixes)', parseBytes)
    .option('--upload-month <bytes>', 'monthly upload volume cap (k/m/g suffixes)', parseBytes)
    .option('--bind-address <addr>', 'bind WebRTC to this address (127.0.0.1 on loopback-only hosts)')
    .option('--fetch <url...>', 'fetch objects (URL, or path under --origin; a site URL ending in / = every object)', [])
    .option('--once', 'exit after the fetches instead of staying up to serve')
    .option('--status-every <seconds>', 'print a status line this often (0 = never)', parseFloat, 30)
    .action(async (opts: PeerCliOptions) => {
      if (!opts.tracker) throw new UsageError('missing --tracker <url> (see reef peer --help)');
      if (!/^wss?:\/\//.test(opts.tracker)) throw new UsageError(`--tracker must be a ws:// or wss:// URL, got "${opts.tracker}"`);
      for (const dir of opts.seedSite) if (!(await stat(dir).catch(() => null))?.isDirectory()) throw new UsageError(`--seed-site ${dir} is not a directory`);
      if (opts.origin !== undefined && !/^https?:\/\/[^/]+/.test(opts.origin)) throw new UsageError(`--origin must be an http(s) URL, got "${opts.origin}"`);
      for (const f of opts.fetch) {
        if (!/^https?:\/\//.test(f) && !(opts.origin && f.startsWith('/'))) throw new UsageError(`--fetch ${f}: give an http(s) URL, or a /path together with --origin`);
      }
      if (opts.seedSite.length === 0 && opts.fetch.length === 0 && opts.once) throw new UsageError('--once with nothing to seed or fetch');
      if (!Number.isFinite(opts.statusEvery) || opts.statusEvery < 0) throw new UsageError('--status-every must be a number of seconds >= 0');
      const { runPeer } = await import('../../peer/run-peer');
      process.exitCode = await runPeer({
        trackerUrl: opts.tracker,
        seedSites: opts.seedSite,
        origin: opts.origin,
        cacheDir: opts.cacheDir,
        serve: opts.serve,
        uploadBytesPerSec: opts.uploadRate ?? Infinity,
        uploadBytesPerMonth: opts.uploadMonth ?? Infinity,
        bindAddress: opts.bindAddress,
        fetch: opts.fetch,
        once: opts.once ?? false,
        statusEveryMs: opts.statusEvery * 1000,
        out: (line) => process.stdout.write(line + '\n'),
      });
    });
}

function parseBytes(value: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`"${value}" is not a byte count like 1048576, 256k, 10m or 5g`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.floor(Number(m[1]) * mult);
}
