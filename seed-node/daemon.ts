// The `reef seed` process: structured logs, the seed, and a clean exit on SIGINT/SIGTERM.
import { pino } from 'pino';
import type { SeedConfig } from './config';
import { startSeed } from './seed';

export async function runSeedDaemon(cfg: SeedConfig): Promise<void> {
  const log = pino({ level: cfg.logLevel, base: { component: 'seed' } }, pino.destination(2));
  let seed;
  try {
    seed = await startSeed(cfg, { log });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? `cannot listen: ${err.message}` : err.message);
  }
  const s = seed.status();
  // One machine-readable line on stdout: scripts and tests read the ports from it.
  process.stdout.write(`reef seed ${s.nodeId} dht=${s.addresses.dht} http=http://${s.addresses.http} tracker=${s.addresses.tracker} dns=${s.addresses.dns}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt).off('SIGTERM', onTerm);
      log.info({ signal }, 'leaving the index and shutting down');
      seed.stop().then(resolve, (e: Error) => {
        log.error({ err: e.message }, 'unclean shutdown');
        resolve();
      });
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt).on('SIGTERM', onTerm);
  });
  log.flush();
}
