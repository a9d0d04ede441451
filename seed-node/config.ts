// Seed configuration: DEFAULTS, then a JSON config file (--config), then the environment (REEF_SECRET), then flags.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { z } from 'zod';

export const SEED_DEFAULTS = {
  host: '127.0.0.1',
  /** The address other seeds and DNS answers use for this seed (default: host). Set it when host is a wildcard. */
  advertiseHost: '',
  dhtPort: 8471,
  httpPort: 8470,
  dnsPort: 8453,
  bootstrap: [] as string[],
  zone: 'reef.localhost',
  secret: '',
  dataDir: '.reef/seed',
  cacheSizeBytes: 1024 * 1024 * 1024,
  allowPrivateOrigins: false,
  allowHttpOrigins: false,
  logLevel: 'info' as LogLevel,
  /** STUN/TURN URLs the tracker hands to browsers for WebRTC (none: host candidates only). */
  iceServers: [] as string[],
  /** Seconds between persisting routing contacts (also done at shutdown). */
  persistEverySec: 60,
};

export type SeedConfig = typeof SEED_DEFAULTS;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected host:port');
const port = z.number().int().min(0).max(65535);

/** The config file and flags share these keys (camelCase in JSON, kebab-case as flags). */
const schema = z
  .object({
    host: z.string().min(1),
    advertiseHost: z.string().refine((v) => v === '' || isIP(v) !== 0, 'expected an IP address'),
    dhtPort: port,
    httpPort: port,
    dnsPort: port,
    bootstrap: z.array(hostPort),
    zone: z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, 'expected a DNS zone like reef.example.org'),
    secret: z.string().min(16, 'the shared secret must be at least 16 characters'),
    dataDir: z.string().min(1),
    cacheSizeBytes: z.number().int().min(1024 * 1024),
    allowPrivateOrigins: z.boolean(),
    allowHttpOrigins: z.boolean(),
    iceServers: z.array(z.string().regex(/^(stun|stuns|turn|turns):\S+$/, 'expected stun:/turn: URLs')).max(16),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    persistEverySec: z.number().int().min(1),
  })
  .strict();

export class ConfigError extends Error {}

/** Accepts `1073741824`, `512m`, `1g`, `64k` (binary units). */
export function parseByteSize(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value.trim());
  if (!m) throw new ConfigError(`"${value}" is not a size like 512m or 1g`);
  const mult = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.round(Number(m[1]) * mult);
}

export async function loadSeedConfig(flags: Partial<Record<keyof SeedConfig | 'config' | 'cacheSize', unknown>>, env: NodeJS.ProcessEnv = process.env): Promise<SeedConfig> {
  let fromFile: Record<string, unknown> = {};
  if (typeof flags.config === 'string') {
    try {
      fromFile = JSON.parse(await readFile(flags.config, 'utf8'));
    } catch (e) {
      throw new ConfigError(`--config ${flags.config}: ${(e as Error).message}`);
    }
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) throw new ConfigError(`--config ${flags.config}: expected a JSON object`);
    if ('cacheSize' in fromFile) {
      fromFile.cacheSizeBytes = parseByteSize(fromFile.cacheSize as string);
      delete fromFile.cacheSize;
    }
  }
  const fromFlags: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) if (v !== undefined && k !== 'config' && k !== 'cacheSize') fromFlags[k] = v;
  if (flags.cacheSize !== undefined) fromFlags.cacheSizeBytes = parseByteSize(flags.cacheSize as string);
  const merged = { ...SEED_DEFAULTS, ...fromFile, ...(env.REEF_SECRET ? { secret: env.REEF_SECRET } : {}), ...fromFlags };
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.join('.') || '(config)';
    const hint = key === 'secret' && !merged.secret ? ' (set --secret, REEF_SECRET or "secret" in the config file)' : '';
    throw new ConfigError(`${key}: ${issue.message}${hint}`);
  }
  return parsed.data as SeedConfig;
}
