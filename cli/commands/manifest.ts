// `reef manifest <dir>` (publisher tool) and `reef manifest verify <dir|url>`.
// Implementations are imported inside the actions so that `reef <other command>` never loads them.
import { readFile, stat } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import type { VerifyReport } from '../../publisher/verify-site';
import { UsageError } from '../errors';

export function registerManifest(program: Command): void {
  const cmd = program
    .command('manifest')
    .description('write <dir>/.well-known/reef.json: the hash manifest a site publishes to opt in to Reef')
    .argument('[dir]', 'the site directory (as it is served)')
    .option('--origin <url>', 'the site origin, e.g. https://example.com (required)')
    .option('-o, --output <file>', 'where to write the manifest (default <dir>/.well-known/reef.json)')
    .option('--chunk-size <bytes>', 'chunk size for large objects (accepts k/m suffixes)', parseBytes, 1024 * 1024)
    .option('--include <glob...>', 'only files matching these globs (default **)')
    .option('--exclude <glob...>', 'skip files matching these globs')
    .option('--key <file>', 'sign with this key file (from `reef keygen`)')
    .option('--next-key <pubkey...>', 'announce the public key(s) you will rotate to (base64 or a .pub file)')
    .option('--expires-in <days>', 'validity of a signed manifest when relayed by peers', parseFloat, 30)
    .option('--cache <file>', 'incremental-regeneration cache (default <dir>/.reef-cache.json)')
    .option('--no-progress', 'no progress bar')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (dir: string | undefined, opts: ManifestOptions) => {
      if (!dir) throw new UsageError('missing <dir>: the site directory to describe (see reef manifest --help)');
      if (!opts.origin) throw new UsageError('missing --origin <url>: the origin the site is served from, e.g. https://example.com');
      if (!(await stat(dir).catch(() => null))?.isDirectory()) throw new UsageError(`${dir} is not a directory`);
      let origin: string;
      try {
        origin = new URL(opts.origin).origin;
        if (!/^https?:$/.test(new URL(opts.origin).protocol)) throw new Error();
      } catch {
        throw new UsageError(`--origin ${opts.origin} is not an http(s) URL`);
      }
      const { generateManifest } = await import('../../publisher/generate');
      const { SingleBar, Presets } = await import('cli-progress');
      const secretKey = opts.key ? await loadSecretKey(opts.key) : undefined;
      const nextKeys = await Promise.all((opts.nextKey ?? []).map(loadPublicKey));
      const bar = opts.progress && !opts.quiet && process.stderr.isTTY ? new SingleBar({ format: ' {bar} {percentage}% | {value}/{total} MiB | {files} files', stream: process.stderr }, Presets.shades_classic) : null;
      const t0 = performance.now();
      const result = await generateManifest({
        dir, origin, output: opts.output, cachePath: opts.cache, chunkSize: opts.chunkSize, include: opts.include, exclude: opts.exclude,
        secretKey, nextKeys, expiresInMs: opts.expiresIn * 24 * 3600_000,
        onProgress: bar
          ? (p) => {
              if (p.filesDone === 1) bar.start(Math.ceil(p.bytes / 2 ** 20), 0, { files: `0/${p.files}` });
              bar.update(Math.floor(p.bytesDone / 2 ** 20), { files: `${p.filesDone}/${p.files}` });
            }
          : undefined,
      });
      bar?.stop();
      if (!opts.quiet) {
        const secs = ((performance.now() - t0) / 1000).toFixed(2);
        process.stdout.write(
          `wrote ${result.output}: ${result.files} objects, ${result.hashed} hashed (${(result.bytesHashed / 2 ** 20).toFixed(1)} MiB), ${result.reused} unchanged, ${secs} s${secretKey ? ', signed' : ''}\n`,
        );
      }
    });

  cmd
    .command('verify')
    .description('re-check a site tree or a live site against its manifest; exits 1 on any mismatch')
    .argument('<target>', 'a site directory or an http(s) URL of the site')
    .option('--manifest <file>', 'manifest file for a directory (default <dir>/.well-known/reef.json)')
    .option('--json', 'print the report as JSON')
    .action(async (target: string, opts: { manifest?: string; json?: boolean }) => {
      const { verifyTree, verifyUrl } = await import('../../publisher/verify-site');
      let report: VerifyReport;
      if (/^https?:\/\//i.test(target)) report = await verifyUrl(target);
      else {
        if (!(await stat(target).catch(() => null))?.isDirectory()) throw new UsageError(`${target} is neither a directory nor an http(s) URL`);
        report = await verifyTree(target, opts.manifest);
      }
      if (opts.json) process.stdout.write(JSON.stringify({ ...report, manifest: undefined, origin: report.manifest.origin }, null, 2) + '\n');
      else {
        for (const m of report.mismatches) process.stdout.write(`MISMATCH ${m.path}: ${m.problem}: ${m.detail}\n`);
        for (const u of report.unlisted) process.stdout.write(`unlisted ${u} (not in the manifest, never served by Reef)\n`);
        process.stdout.write(`${report.checked} objects checked, ${report.mismatches.length} mismatches, manifest ${report.signed ? 'signed (signature valid)' : 'unsigned'}\n`);
      }
      if (report.mismatches.length > 0) process.exitCode = 1;
    });
}

interface ManifestOptions {
  origin?: string;
  output?: string;
  chunkSize: number;
  include?: string[];
  exclude?: string[];
  key?: string;
  nextKey?: string[];
  expiresIn: number;
  cache?: string;
  progress: boolean;
  quiet?: boolean;
}

function parseBytes(value: string): number {
  const m = /^(\d+)([kKmM]i?[bB]?)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`"${value}" is not a byte count like 1048576, 256k or 1m`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : 1);
}

async function loadSecretKey(file: string): Promise<string> {
  let parsed: { alg?: string; secretKey?: string; publicKey?: string };
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--key ${file}: cannot read a key file (${(e as Error).message})`);
  }
  if (parsed.alg !== 'ed25519' || typeof parsed.secretKey !== 'string') throw new UsageError(`--key ${file}: not a key file written by reef keygen`);
  const { publicKeyOf } = await import('../../shared/manifest');
  try {
    if (parsed.publicKey && publicKeyOf(parsed.secretKey) !== parsed.publicKey) throw new Error('public and secret keys do not match');
  } catch (e) {
    throw new UsageError(`--key ${file}: ${(e as Error).message}`);
  }
  return parsed.secretKey;
}

async function loadPublicKey(value: string): Promise<string> {
  const text = /^[A-Za-z0-9+/]{43}=$/.test(value) ? value : (await readFile(value, 'utf8').catch(() => '')).trim();
  if (!/^[A-Za-z0-9+/]{43}=$/.test(text)) throw new UsageError(`--next-key ${value}: neither a base64 Ed25519 public key nor a .pub file holding one`);
  return text;
}
