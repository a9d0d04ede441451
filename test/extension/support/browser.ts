// One headless Chromium with the built Reef extension, its service worker at hand for setting options and
// reading figures (sw.evaluate runs inside the extension).
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Worker } from 'playwright-core';
import { chromium } from 'playwright-core';
import { BASE_ARGS, CHROMIUM_PATH } from '../../support/chromium';
import type { Options } from '../../../extension/shared/options';
import { CHROMIUM_EXTENSION_DIR } from './build';

export interface ReefBrowser {
  ctx: BrowserContext;
  sw: Worker;
  extensionId: string;
  setOptions(patch: Partial<Options>): Promise<void>;
  /** Waits until the site's manifest is known and its default-mode blocking rules are in place. */
  siteReady(origin: string, timeoutMs?: number): Promise<void>;
  /** The extension-side id of the tab showing a page of `origin`. */
  tabIdOf(origin: string): Promise<number>;
  /** The offscreen side's figures (engine stats included). */
  figures(): Promise<any>;
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

export interface LaunchOptions {
  debuggerGranted?: boolean;
  /** Reuse a profile (to restart "the same browser"); it is then left on disk for the caller to remove. */
  profileDir?: string;
}

export async function launchReefBrowser(options: Partial<Options>, launch: LaunchOptions = {}): Promise<ReefBrowser> {
  const extensionDir = launch.debuggerGranted ? await debuggerGrantedCopy() : CHROMIUM_EXTENSION_DIR;
  const profile = launch.profileDir ?? (await mkdtemp(join(tmpdir(), 'reef-chromium-')));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [...BASE_ARGS, `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`],
  });
  const close = async () => {
    await ctx.close().catch(() => {});
    if (!launch.profileDir) await rm(profile, { recursive: true, force: true });
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
    siteReady: async (origin, timeoutMs = 10_000) => {
      const end = Date.now() + timeoutMs;
      while ((await sw.evaluate((o) => (globalThis as any).reef.siteRuleCount(o), origin)) === 0) {
        if (Date.now() > end) throw new Error(`no blocking rules for ${origin}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    tabIdOf: (origin) => sw.evaluate(async (o) => (await (globalThis as any).chrome.tabs.query({ url: o + '/*' }))[0].id as number, origin),
    figures: () => sw.evaluate(() => (globalThis as any).reef.callOffscreen('engine-figures', null)),
    close,
  };
  // Tests run several browsers on two shared cores: give peers more time than a user's default before the
  // engine turns to the origin, so a loaded machine does not turn "from the peer" into "from the origin".
  await b.setOptions({ allowLoopbackHttp: true, peerWaitMs: 8_000, ...options });
  // A browser with trackers configured starts its engine with the options; wait until the tracker welcomed it,
  // as it would have long before the user opens a page (the engine gives a fetch only 500 ms for this).
  if (options.trackers?.length) {
    const end = Date.now() + 15_000;
    while (!(await b.figures().catch(() => null))?.engine?.trackerConnected) {
      if (Date.now() > end) throw new Error('the extension never connected to the tracker');
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return b;
}
