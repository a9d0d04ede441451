// `reef keygen`: an Ed25519 key pair for signing manifests.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';

export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description('write an Ed25519 key pair for signing manifests (secret key file mode 0600)')
    .option('-o, --out <file>', 'key file to write', 'reef-key.json')
    .option('--force', 'overwrite an existing key file')
    .action(async (opts: { out: string; force?: boolean }) => {
      const { generateKeyPair } = await import('../../shared/manifest');
      const pair = generateKeyPair();
      await writeFile(opts.out, JSON.stringify(pair, null, 2) + '\n', { mode: 0o600, flag: opts.force ? 'w' : 'wx' }).catch((e: NodeJS.ErrnoException) => {
        throw new Error(e.code === 'EEXIST' ? `${opts.out} already exists (use --force to overwrite)` : e.message);
      });
      await writeFile(opts.out.replace(/\.json$/, '') + '.pub', pair.publicKey + '\n', { flag: opts.force ? 'w' : 'wx' });
      process.stdout.write(`wrote ${opts.out} (keep it secret) and ${opts.out.replace(/\.json$/, '')}.pub\npublic key: ${pair.publicKey}\n`);
    });
}
