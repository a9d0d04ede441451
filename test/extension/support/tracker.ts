// The real `reef tracker` as a child process on loopback, the way a deployment runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { REEF_BIN } from '../../support/cli';

export interface TrackerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startTracker(): Promise<TrackerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [REEF_BIN, 'tracker', '--host', '127.0.0.1', '--port', '0', '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`tracker did not start: ${err}`)), 15_000);
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (ws:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[1],
        child,
        stop: () =>
          new Promise<void>((r) => {
            if (child.exitCode !== null) return r();
            child.once('exit', () => r());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => reject(new Error(`tracker exited (${code}): ${err}`)));
  });
}
