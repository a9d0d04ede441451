// `reef tracker`: a tracker alone, with an in-memory index, for a small deployment or a test.
import type { Command } from 'commander';
// Implementations load inside the action so other commands (and --help) start fast.
import { UsageError } from '../errors';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

interface TrackerCliOptions {
  host: string;
  port: string;
  iceServer: string[];
  logLevel: string;
  trackerId?: string;
  relaySecret?: string;
}

export function registerTracker(program: Command): void {
  program
    .command('tracker')
    .description('run a standalone tracker (browsers announce, look up and signal over WebSocket)')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'TCP port (0 = any free port)', '8470')
    .option('--ice-server <url...>', 'STUN/TURN URL handed to browsers (repeatable)', [])
    .option('--log-level <level>', `one of ${LOG_LEVELS.join(', ')}`, 'info')
    .option('--tracker-id <hex>', '160-bit tracker id, 40 hex chars (random by default)')
    .option('--relay-secret <secret>', 'shared secret for HTTP signal relay between trackers')
    .action(async (opts: TrackerCliOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, got "${opts.port}"`);
      if (!LOG_LEVELS.includes(opts.logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
      if (opts.trackerId !== undefined && !/^[0-9a-f]{40}$/.test(opts.trackerId)) throw new UsageError('--tracker-id must be 40 lowercase hex chars');
      for (const url of opts.iceServer) {
        if (!/^(stun|stuns|turn|turns):\S+$/.test(url)) throw new UsageError(`--ice-server must be a stun:/turn: URL, got "${url}"`);
      }
      const { pino } = await import('pino');
      const { TRACKER_DEFAULTS } = await import('../../tracker/config');
      const { startTrackerServer } = await import('../../tracker/server');
      const log = pino({ level: opts.logLevel, base: { component: 'tracker' } }, pino.destination(2));
      const server = await startTrackerServer({
        host: opts.host,
        port,
        trackerId: opts.trackerId,
        relaySecret: opts.relaySecret,
        config: { iceServers: opts.iceServer.map((urls) => ({ urls })) },
        log,
      }).catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot listen on ${opts.host}:${port}: ${e.code ?? e.message}`);
      });
      process.stdout.write(`reef tracker listening on ${server.url}\n`);
      const { idleTimeoutMs, messagesPerSec, maxMessageBytes, maxObjectsPerPeer } = TRACKER_DEFAULTS;
      log.info({ url: server.url, id: server.tracker.self.id, limits: { idleTimeoutMs, messagesPerSec, maxMessageBytes, maxObjectsPerPeer } }, 'tracker started');
      await new Promise<void>((resolve) => {
        const stop = (sig: string) => {
          log.info({ sig, metrics: server.tracker.metrics }, 'shutting down');
          process.off('SIGINT', onInt).off('SIGTERM', onTerm);
          void server.close().then(resolve);
        };
        const onInt = () => stop('SIGINT');
        const onTerm = () => stop('SIGTERM');
        process.on('SIGINT', onInt).on('SIGTERM', onTerm);
      });
      log.flush();
    });
}

