// The real `reef seed` as a child process on loopback: index, tracker, DNS and the caching proxy.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REEF_BIN } from '../../support/cli';

export interface SeedProcess {
  /** The seed's HTTP base (status, tracker, proxy). */
  http: string;
  tracker: string;
  /** The base URL of the seed's zone, as the extension's "seeds" option takes it. */
  zoneBase: string;
  close(): Promise<void>;
}

export async function startSeed(): Promise<SeedProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'reef-seed-'));
  const child = spawn(
    process.execPath,
    [REEF_BIN, 'seed', '--host', '127.0.0.1', '--http-port', '0', '--dht-port', '0', '--dns-port', '0', '--secret', 'reef-extension-tests-secret',
      '--data-dir', dataDir, '--allow-private-origins', '--allow-http-origins', '--log-level', 'warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`seed did not start: ${err}`)), 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (/http=\S+ tracker=\S+/.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.once('exit', (code) => reject(new Error(`seed exited (${code}): ${err}`)));
  });
  const http = /http=(\S+)/.exec(line)![1];
  const tracker = /tracker=(\S+)/.exec(line)![1];
  // Chromium resolves every *.localhost name to loopback, so the default zone works without DNS set-up.
  const zoneBase = `http://reef.localhost:${new URL(http).port}`;
  return {
    http,
    tracker,
    zoneBase,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
