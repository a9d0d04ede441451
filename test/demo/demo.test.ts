// `reef demo` as a user runs it: it prints working URLs, the proxy name serves the site's verified bytes,
// the seed's DNS answers for it, and --exit-after stops everything with status 0.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REEF_BIN } from '../support/cli';
import { waitFor } from '../support/seed-process';

const run = promisify(execFile);

describe('reef demo', () => {
  it('runs a network whose proxy name and DNS work, then exits cleanly', async () => {
    const child = spawn(process.execPath, [REEF_BIN, 'demo', '--exit-after', '15', '--peers', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const proxyUrl = await waitFor('the demo URLs', async () => /through a seed proxy:\s+(\S+)/.exec(out)?.[1], 30_000);
    const originUrl = /straight from its origin:\s+(\S+)/.exec(out)![1];
    // curl resolves *.localhost to loopback as browsers do (Node's resolver does not).
    const curl = async (url: string) => {
      const { stdout } = await run('curl', ['-s', '-o', '-', '-w', '\n%{http_code} %header{x-cache}', url], { encoding: 'latin1', maxBuffer: 1 << 24 });
      const cut = stdout.lastIndexOf('\n');
      return { body: stdout.slice(0, cut), meta: stdout.slice(cut + 1) };
    };
    const first = await curl(`${proxyUrl}img/photo.bmp`);
    expect(first.meta).toMatch(/^200 /);
    const direct = Buffer.from(await (await fetch(`${originUrl}img/photo.bmp`)).arrayBuffer());
    expect(Buffer.from(first.body, 'latin1').equals(direct)).toBe(true);
    expect((await curl(`${proxyUrl}img/photo.bmp`)).meta).toBe('200 HIT');

    const dig = /(dig @\S+ -p \d+ \S+)/.exec(out)![1].split(' ');
    const { stdout } = await run(dig[0], [...dig.slice(1), '+short']);
    expect(stdout).toMatch(/^127\.0\.\d+\.\d+$/m);
    expect(await exited).toBe(0);
    expect(out).toMatch(/stopping \(time is up\)/);
  }, 60_000);
});
