// One headless Chromium with the built Reef extension, its service worker at hand for setting options and
// reading figures (sw.evaluate runs inside the extension).
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Worker } from 'playwright-core';
import { launchChromium } from '../../support/chromium';
import type { Options } from '../../../extension/shared/options';
import { CHROMIUM_EXTENSION_DIR } from './build';

export interface ReefBrowser {
  ctx: BrowserContext;
  sw: Worker;
  extensionId: string;
  setOptions(patch: Partial<Options>): Promise<void>;
  close(): Promise<void>;
}

/**
 * The built extension with `debugger` moved from optional to granted permissions. Headless Chromium cannot click
 * the permission prompt the options page raises; granting at install is the state a user's "Allow" leaves, and
 * the code is the same build (it checks permissions.contains either way).
 */
async function debuggerGrantedCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'reef-ext-full-'));
  await cp(CHROMIUM_EXTENSION_DIR, dir, { recursive: true });
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  manifest.permissions.push('debugger');
  manifest.optional_permissions = manifest.optional_permissions.filter((p: string) => p !== 'debugger');
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

export async function launchReefBrowser(options: Partial<Options>, launch: { debuggerGranted?: boolean } = {}): Promise<ReefBrowser> {
  const extensionDir = launch.debuggerGranted ? await debuggerGrantedCopy() : CHROMIUM_EXTENSION_DIR;
  const { ctx, close: closeBrowser } = await launchChromium({ extensionDir });
  const close = async () => {
    await closeBrowser();
    if (extensionDir !== CHROMIUM_EXTENSION_DIR) await rm(extensionDir, { recursive: true, force: true });
  };
  const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker'));
  const extensionId = new URL(sw.url()).host;
  const b: ReefBrowser = {
    ctx,
    sw,
    extensionId,
    setOptions: async (patch) => {
      // `globalThis.reef` is the service worker's test/debug surface (extension/background/index.ts).
      await sw.evaluate((p) => (globalThis as any).reef.saveOptions(p), patch);
    },
    close,
  };
  await b.setOptions({ allowLoopbackHttp: true, ...options });
  return b;
}
