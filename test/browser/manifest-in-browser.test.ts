// The manifest module is shared by browser and server: run it in real Chromium and check it agrees with Node.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, serializeManifest, signManifest } from '../../shared/manifest';
import { launchChromium } from '../support/chromium';
import { bigBody, sampleManifest } from '../manifest/fixtures';

let server: Server;
let url: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [new URL('./manifest-entry.ts', import.meta.url).pathname],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
  });
  const js = bundle.outputFiles[0].text;
  expect(js).not.toContain('node:crypto');
  server = createServer((req, res) => {
    if (req.url === '/bundle.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<script type="module" src="/bundle.js"></script>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe('shared/manifest in Chromium', () => {
  it('parses, checks signatures and verifies chunks with WebCrypto, agreeing with Node', async () => {
    const page = await browser.ctx.newPage();
    await page.goto(url);
    await page.waitForFunction(() => 'reef' in globalThis);
    const signed = serializeManifest(signManifest(sampleManifest(), generateKeyPair()));
    const body = Array.from(bigBody());
    const result = await page.evaluate(
      async ({ text, body }) => {
        const reef = (globalThis as any).reef;
        const m = reef.parseManifest(text);
        reef.checkSignature(m);
        const entry = m.objects['/img/big.bin'];
        const bytes = new Uint8Array(body);
        const chunks = [];
        for (let i = 0; i < reef.chunkCount(entry); i++) {
          const { start, end } = reef.chunkRange(entry, i);
          chunks.push(await reef.verifyChunk(bytes.subarray(start, end), entry, i));
        }
        bytes[5] ^= 1;
        let tampered = 'accepted';
        try {
          reef.checkSignature({ ...m, serial: 7 });
        } catch (e: any) {
          tampered = e.code;
        }
        let dup = '';
        try {
          reef.parseManifest('{"version":1,"version":1}');
        } catch (e: any) {
          dup = e.code;
        }
        return { platform: reef.platform, chunks, corrupt: await reef.verifyChunk(bytes.subarray(0, 16384), entry, 0), whole: await reef.verifyObject(new Uint8Array(body), entry), tampered, dup };
      },
      { text: signed, body },
    );
    expect(result).toEqual({ platform: 'browser', chunks: [true, true, true], corrupt: false, whole: true, tampered: 'signature-mismatch', dup: 'duplicate-key' });
  });
});
