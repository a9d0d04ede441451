// The real `reef peer` CLI as child processes: one seeds a site directory, another fetches from it;
// an in-process engine fetches from the CLI peer too. Tracker, origin and WebRTC are real, on 127.0.0.1.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateManifest } from '../../publisher/generate';
import { parseManifest } from '../../shared/manifest';
import { REEF_BIN } from '../support/cli';
import { closeAll, holders, origin, peer, randomObject, tracker } from './helpers';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await closeAll();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function reef(args: string[]): { child: ChildProcess; output: () => string; waitFor: (re: RegExp, ms?: number) => Promise<RegExpExecArray> } {
  const child = spawn(process.execPath, [REEF_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return {
    child,
    output: () => out,
    waitFor: (re, ms = 20_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${re} in: ${out}`)), ms);
        const check = () => {
          const m = re.exec(out);
          if (m) {
            clearTimeout(timer);
            child.stdout!.off('data', check);
            resolve(m);
          }
        };
        child.stdout!.on('data', check);
        child.once('exit', () => setTimeout(() => reject(new Error(`exited: ${out}`)), 50));
        check();
      }),
  };
}

async function site(): Promise<{ dir: string; files: Record<string, Uint8Array> }> {
  const dir = await mkdtemp(join(tmpdir(), 'reef-peer-cli-'));
  dirs.push(dir);
  const files = { '/index.html': new TextEncoder().encode('<h1>reef</h1>'), '/media/clip.bin': randomObject(300 * 1024) };
  await mkdir(join(dir, 'media'));
  for (const [p, b] of Object.entries(files)) await writeFile(join(dir, p), b);
  return { dir, files };
}

describe('reef peer CLI', () => {
  it('seeds a site directory; an engine and another reef peer fetch from it, not the origin', async () => {
    const t = await tracker();
    const { dir, files } = await site();
    const o = await origin(files);
    await generateManifest({ dir, origin: o.url, chunkSize: 64 * 1024 });
    o.files.set('/.well-known/reef.json', await readFile(join(dir, '.well-known', 'reef.json')));
    const manifest = parseManifest(await readFile(join(dir, '.well-known', 'reef.json')));

    const seeder = reef(['peer', '--tracker', t.url, '--seed-site', dir, '--bind-address', '127.0.0.1', '--status-every', '0']);
    await seeder.waitFor(/ready/);
    expect(seeder.output()).toContain('seeding 2/2 objects');
    const clip = manifest.objects['/media/clip.bin'];
    await holders(t.url, clip.integrity, 1);

    const p = await peer(t.url);
    const r = await p.engine.fetchObject({ site: o.url, path: '/media/clip.bin', entry: clip, originUrl: o.url + '/media/clip.bin' });
    expect(Buffer.from(r.bytes).equals(Buffer.from(files['/media/clip.bin']))).toBe(true);
    expect(r.source.peer).toBe(clip.size);

    const fetcher = reef(['peer', '--tracker', t.url, '--bind-address', '127.0.0.1', '--fetch', o.url + '/', '--once', '--no-serve']);
    const [code] = await once(fetcher.child, 'exit');
    expect(fetcher.output()).toMatch(/fetched \/media\/clip\.bin 307200 bytes in \d+ ms: peer 307200 seed 0 origin 0/);
    expect(fetcher.output()).toMatch(/fetched \/index\.html 13 bytes/);
    expect(code).toBe(0);
    expect(o.hits.filter((h) => h.path !== '/.well-known/reef.json')).toEqual([]);

    seeder.child.kill('SIGTERM');
    const [seederCode] = await once(seeder.child, 'exit');
    expect(seederCode).toBe(0);
    expect(seeder.output()).toMatch(/status: .*up 0\.\d\d MiB/);
  });

  it('refuses bad usage with exit 2 and names the option', () => {
    const run = (args: string[]) => spawnSync(process.execPath, [REEF_BIN, 'peer', ...args], { encoding: 'utf8' });
    const noTracker = run([]);
    expect(noTracker.status).toBe(2);
    expect(noTracker.stderr).toContain('--tracker');
    const badDir = run(['--tracker', 'ws://127.0.0.1:1/x', '--seed-site', '/nonexistent/reef']);
    expect(badDir.status).toBe(2);
    expect(badDir.stderr).toContain('--seed-site');
    const badFetch = run(['--tracker', 'ws://127.0.0.1:1/x', '--fetch', '/a.js']);
    expect(badFetch.status).toBe(2);
    expect(badFetch.stderr).toContain('--fetch');
  });
});
