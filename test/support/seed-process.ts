// Runs a real `reef seed` process on loopback and reads its addresses from the line it prints at start.
import { spawn, type ChildProcess } from 'node:child_process';
import { REEF_BIN } from './cli';

export const TEST_SECRET = 'reef-test-deployment-secret';

export interface SeedProcess {
  nodeId: string;
  dht: string;
  http: string;
  tracker: string;
  dns: string;
  child: ChildProcess;
  stderr: () => string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startSeedProcess(opts: { dataDir: string; bootstrap?: string[]; extraArgs?: string[]; secret?: string; host?: string }): Promise<SeedProcess> {
  const args = [REEF_BIN, 'seed', '--host', opts.host ?? '127.0.0.1', '--data-dir', opts.dataDir, '--http-port', '0', '--dht-port', '0', '--dns-port', '0', '--log-level', 'warn', ...(opts.extraArgs ?? [])];
  if (opts.bootstrap?.length) args.push('--bootstrap', opts.bootstrap.join(','));
  const child = spawn(process.execPath, args, { env: { ...process.env, REEF_SECRET: opts.secret ?? TEST_SECRET }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave a half-started seed behind
      reject(new Error(`seed did not start: ${stderr}`));
    }, 20_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^reef seed ([0-9a-f]{40}) dht=(\S+) http=(\S+) tracker=(\S+) dns=(\S+)$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        nodeId: m[1], dht: m[2], http: m[3], tracker: m[4], dns: m[5], child, stderr: () => stderr,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`seed exited with ${code} before starting: ${stderr}`));
    });
  });
}

export async function status(seed: SeedProcess): Promise<any> {
  const res = await fetch(`${seed.http}/.well-known/reef/status`);
  return res.json();
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
