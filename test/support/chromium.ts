// Launches Debian's headless Chromium through playwright-core with the flags this machine needs
// (see ../shared/BROWSER-TESTING.md). Never downloads a browser.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.REEF_CHROMIUM ?? '/usr/bin/chromium';

export const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
];

export async function launchChromium(opts: { extensionDir?: string; args?: string[] } = {}): Promise<{ ctx: BrowserContext; close: () => Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'reef-chromium-'));
  const args = [...BASE_ARGS, ...(opts.args ?? [])];
  if (opts.extensionDir) args.push(`--disable-extensions-except=${opts.extensionDir}`, `--load-extension=${opts.extensionDir}`);
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    ignoreDefaultArgs: opts.extensionDir ? ['--disable-extensions'] : [],
    args,
  });
  return {
    ctx,
    close: async () => {
      await ctx.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}
