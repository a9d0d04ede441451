import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, utimes, writeFile, mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSignature, parseManifest } from '../../shared/manifest';
import { runReef } from '../support/cli';

let dir: string;
const past = new Date(Date.now() - 3600_000);

async function makeSite(root: string) {
  await mkdir(join(root, 'img'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<img src="/img/big.bin">');
  await writeFile(join(root, 'img', 'big.bin'), Buffer.alloc(300_000, 7));
  await writeFile(join(root, 'notes.tmp'), 'scratch');
  for (const f of ['index.html', 'img/big.bin', 'notes.tmp']) await utimes(join(root, f), past, past);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reef-site-'));
  await makeSite(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('reef manifest (real CLI)', () => {
  it('writes a valid manifest with chunks for large files and honours --exclude', async () => {
    const r = await runReef(['manifest', dir, '--origin', 'https://example.com/', '--chunk-size', '64k', '--exclude', '*.tmp']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 objects, 2 hashed/);
    const m = parseManifest(await readFile(join(dir, '.well-known/reef.json')));
    expect(m.origin).toBe('https://example.com');
    expect(Object.keys(m.objects).sort()).toEqual(['/img/big.bin', '/index.html']);
    expect(m.objects['/img/big.bin'].chunks).toHaveLength(5);
    expect(m.objects['/index.html'].type).toBe('text/html');
  });

  it('regenerates incrementally: only the changed file is hashed again', async () => {
    const r1 = await runReef(['manifest', dir, '--origin', 'https://example.com', '--chunk-size', '64k', '--exclude', '*.tmp']);
    expect(r1.stdout).toMatch(/0 hashed .* 2 unchanged/);
    await writeFile(join(dir, 'index.html'), '<p>changed</p>');
    await utimes(join(dir, 'index.html'), past, new Date(past.getTime() + 1000));
    const r2 = await runReef(['manifest', dir, '--origin', 'https://example.com', '--chunk-size', '64k', '--exclude', '*.tmp']);
    expect(r2.stdout).toMatch(/1 hashed .* 1 unchanged/);
    const m = parseManifest(await readFile(join(dir, '.well-known/reef.json')));
    expect(m.objects['/index.html'].size).toBe('<p>changed</p>'.length);
  });

  it('verify passes on an intact tree and lists every mismatch on a damaged one', async () => {
    const ok = await runReef(['manifest', 'verify', dir]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/2 objects checked, 0 mismatches/);
    const big = await readFile(join(dir, 'img/big.bin'));
    big[200_000] ^= 0xff;
    await writeFile(join(dir, 'img/big.bin'), big);
    await writeFile(join(dir, 'index.html'), 'x');
    const bad = await runReef(['manifest', 'verify', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/MISMATCH \/img\/big.bin: integrity: .*chunk\(s\) 3 differ/);
    expect(bad.stdout).toMatch(/MISMATCH \/index.html: size/);
    expect(bad.stdout).toMatch(/2 mismatches/);
  });

  it('signs with a key from reef keygen, and the signature checks', async () => {
    const keyFile = join(dir, '..', `key-${process.pid}.json`);
    const kg = await runReef(['keygen', '-o', keyFile]);
    expect(kg.code, kg.stderr).toBe(0);
    const again = await runReef(['keygen', '-o', keyFile]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already exists/);
    const r = await runReef(['manifest', dir, '--origin', 'https://example.com', '--key', keyFile, '--exclude', '*.tmp']);
    expect(r.code, r.stderr).toBe(0);
    const m = parseManifest(await readFile(join(dir, '.well-known/reef.json')));
    expect(m.signature?.publicKey).toBe(JSON.parse(await readFile(keyFile, 'utf8')).publicKey);
    expect(() => checkSignature(m)).not.toThrow();
    expect(m.serial).toBeGreaterThan(0);
    await rm(keyFile);
    await rm(keyFile.replace(/\.json$/, '.pub'));
  });

  it('usage errors name what is wrong and exit non-zero', async () => {
    const noOrigin = await runReef(['manifest', dir]);
    expect(noOrigin.code).toBe(2);
    expect(noOrigin.stderr).toMatch(/--origin/);
    const noDir = await runReef(['manifest', join(dir, 'nope'), '--origin', 'https://a.b']);
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toMatch(/not a directory/);
    const badChunk = await runReef(['manifest', dir, '--origin', 'https://a.b', '--chunk-size', 'lots']);
    expect(badChunk.code).toBe(2);
    expect(badChunk.stderr).toMatch(/byte count/);
    const badKey = await runReef(['manifest', dir, '--origin', 'https://a.b', '--key', join(dir, 'index.html')]);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toMatch(/--key/);
    const help = await runReef(['manifest', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--chunk-size/);
  });
});

describe('reef manifest verify <url> against a live site', () => {
  let server: Server;
  let site: string;
  let origin: string;
  let tamper = false;

  beforeAll(async () => {
    site = await mkdtemp(join(tmpdir(), 'reef-live-'));
    await makeSite(site);
    server = createServer(async (req, res) => {
      try {
        let body = await readFile(join(site, decodeURIComponent(new URL(req.url!, 'http://x').pathname)));
        if (tamper && req.url === '/index.html') body = Buffer.from('<script>evil()</script>');
        res.end(body);
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const gen = await runReef(['manifest', site, '--origin', origin, '--exclude', '*.tmp', '--chunk-size', '64k']);
    expect(gen.code, gen.stderr).toBe(0);
  });
  afterAll(async () => {
    server.close();
    await rm(site, { recursive: true, force: true });
  });

  it('passes when the site serves its manifest bytes, fails listing the tampered object otherwise', async () => {
    const ok = await runReef(['manifest', 'verify', origin + '/']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    tamper = true;
    await rm(join(site, 'img/big.bin'));
    const bad = await runReef(['manifest', 'verify', origin]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/MISMATCH \/index.html: size/);
    expect(bad.stdout).toMatch(/MISMATCH \/img\/big.bin: fetch: HTTP 404/);
  });
});
