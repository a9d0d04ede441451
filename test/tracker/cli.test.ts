// The real `reef tracker` CLI as a child process on 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { client, closeAll, sri } from './helpers';

const bin = fileURLToPath(new URL('../../bin/reef.js', import.meta.url));
afterEach(closeAll);

describe('reef tracker CLI', () => {
  it('prints its URL, serves browsers, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, 'tracker', '--host', '127.0.0.1', '--port', '0', '--ice-server', 'stun:127.0.0.1:3478', '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (ws:\/\/127\.0\.0\.1:\d+\/\.well-known\/reef\/tracker)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    const a = await client(url);
    const w = await a.hello({ peerId: 'peer-cli-a' });
    expect(w.iceServers).toEqual([{ urls: 'stun:127.0.0.1:3478' }]);
    const b = await client(url, 'cli-b');
    await a.announce([{ integrity: sri('cli') }]);
    expect((await b.lookup(sri('cli'))).peers.map((p) => p.peerId)).toEqual(['peer-cli-a']);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('rejects bad usage with exit 2 and names the problem; --help works', () => {
    const bad = spawnSync(process.execPath, [bin, 'tracker', '--port', '70000'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--port');
    const ice = spawnSync(process.execPath, [bin, 'tracker', '--port', '0', '--ice-server', 'http://x'], { encoding: 'utf8' });
    expect(ice.status).toBe(2);
    expect(ice.stderr).toContain('--ice-server');
    const help = spawnSync(process.execPath, [bin, 'tracker', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--ice-server');
  });
});
