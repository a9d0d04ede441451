// `reef seed`: run a seed node (index node, tracker, status/metrics; DNS and proxy as they are enabled).
import type { Command } from 'commander';
import { UsageError } from '../errors';

interface SeedFlags {
  config?: string;
  host?: string;
  advertiseHost?: string;
  dhtPort?: string;
  httpPort?: string;
  dnsPort?: string;
  bootstrap?: string;
  zone?: string;
  secret?: string;
  dataDir?: string;
  cacheSize?: string;
  allowPrivateOrigins?: boolean;
  allowHttpOrigins?: boolean;
  logLevel?: string;
  iceServer?: string[];
}

const int = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`${flag} must be a port number, got "${v}"`);
  return Number(v);
};

export function registerSeed(program: Command): void {
  program
    .command('seed')
    .description('run a seed node: a Coral index node (UDP), the tracker, DNS and the caching proxy')
    .option('--config <file>', 'JSON config file with the same keys in camelCase (flags override it)')
    .option('--host <addr>', 'address to listen on (default 127.0.0.1)')
    .option('--advertise-host <ip>', 'the address other seeds and DNS answers use for this seed (default: --host)')
    .option('--dht-port <n>', 'UDP port of the index (default 8471; 0 = any)')
    .option('--http-port <n>', 'HTTP port: status, metrics, tracker, proxy (default 8470; 0 = any)')
    .option('--dns-port <n>', 'DNS port, UDP and TCP (default 8453; 0 = any)')
    .option('--bootstrap <host:port,...>', 'index nodes to join through (comma separated)')
    .option('--zone <name>', 'the DNS zone this deployment serves (default reef.localhost)')
    .option('--secret <secret>', "the deployment's shared secret (or env REEF_SECRET); at least 16 characters")
    .option('--data-dir <dir>', 'node id, routing contacts and cache (default .reef/seed)')
    .option('--cache-size <bytes>', 'proxy cache bound, e.g. 512m, 4g (default 1g)')
    .option('--allow-private-origins', 'let the proxy fetch origins on private/loopback addresses (tests, demo)')
    .option('--allow-http-origins', 'let the proxy fetch plain-HTTP origins (tests, demo)')
    .option('--ice-server <url...>', 'STUN/TURN URL handed to browsers for WebRTC (repeatable)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (default info)')
    .action(async (f: SeedFlags) => {
      const { loadSeedConfig, ConfigError } = await import('../../seed-node/config');
      let cfg;
      try {
        cfg = await loadSeedConfig({
          config: f.config,
          host: f.host,
          advertiseHost: f.advertiseHost,
          dhtPort: int(f.dhtPort, '--dht-port'),
          httpPort: int(f.httpPort, '--http-port'),
          dnsPort: int(f.dnsPort, '--dns-port'),
          bootstrap: f.bootstrap?.split(',').map((s) => s.trim()).filter(Boolean),
          zone: f.zone,
          secret: f.secret,
          dataDir: f.dataDir,
          cacheSize: f.cacheSize,
          allowPrivateOrigins: f.allowPrivateOrigins,
          allowHttpOrigins: f.allowHttpOrigins,
          logLevel: f.logLevel,
          iceServers: f.iceServer,
        });
      } catch (e) {
        if (e instanceof ConfigError) throw new UsageError(e.message);
        throw e;
      }
      const { runSeedDaemon } = await import('../../seed-node/daemon');
      await runSeedDaemon(cfg);
    });
}
