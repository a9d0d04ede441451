// One headless Chromium with the built Reef extension, its service worker at hand for setting options and
// reading figures (sw.evaluate runs inside the extension).
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

export async function launchReefBrowser(options: Partial<Options>): Promise<ReefBrowser> {
  const { ctx, close } = await launchChromium({ extensionDir: CHROMIUM_EXTENSION_DIR });
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
