// Debian's Firefox ESR, headless, driven over WebDriver BiDi by puppeteer-core (no download), with the built
// Firefox extension installed as a temporary add-on. Firefox's BiDi does not expose extension pages, so the test
// surface the Chromium tests reach through `sw.evaluate` (globalThis.reef in the background) is reached here from
// the browser's privileged context (`-remote-allow-system-access`): a process script finds Reef's background
// page in the extension process and calls it. The extension itself is the unmodified build.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { Options } from '../../../extension/shared/options';
import { FIREFOX_EXTENSION_DIR } from './build';

export const FIREFOX_PATH = process.env.REEF_FIREFOX ?? '/usr/bin/firefox-esr';
const ADDON_ID = 'reef@reef-cdn.org';

export interface ReefFirefox {
  browser: Browser;
  newPage(): Promise<Page>;
  setOptions(patch: Partial<Options>): Promise<void>;
  /** The engine's figures, as the popup reads them. */
  figures(): Promise<any>;
  /** Calls `reef[method](...args)` in the background (its test/debug surface, as in Chromium's service worker). */
  call(method: string, ...args: unknown[]): Promise<any>;
  close(): Promise<void>;
}

type BidiResult = { type: string; result?: { type: string; value?: unknown }; exceptionDetails?: unknown };

/** Runs in the extension process: calls `reef[method](...args)` in Reef's background page, posts the JSON result. */
const CALL_IN_BACKGROUND = `function (id, name, method, argsJson) {
  const post = (m) => Services.cpmm.sendAsyncMessage(name, m);
  try {
    const { ExtensionPageChild } = ChromeUtils.importESModule('resource://gre/modules/ExtensionPageChild.sys.mjs');
    for (const ctx of ExtensionPageChild.extensionContexts.values()) {
      if (ctx.viewType !== 'background' || ctx.extension.id !== id) continue;
      const w = ctx.contentWindow.wrappedJSObject;
      const args = w.JSON.parse(argsJson);
      Promise.resolve(w.reef[method](...args)).then(
        (v) => post({ ok: true, json: JSON.stringify(v ?? null) }),
        (e) => post({ ok: false, error: String(e) }),
      );
      return;
    }
  } catch (e) {
    post({ ok: false, error: String(e) });
  }
}`;

/** Runs in the parent's chrome window: loads the script into every content process, waits for the one answer. */
const DISPATCH = `(id, method, argsJson, script) => new Promise((resolve) => {
  const name = 'reef-test-' + Math.random().toString(36).slice(2);
  const listener = { receiveMessage(m) { Services.ppmm.removeMessageListener(name, listener); resolve(JSON.stringify(m.data)); } };
  Services.ppmm.addMessageListener(name, listener);
  const call = '(' + script + ')(' + [id, name, method, argsJson].map((s) => JSON.stringify(s)).join(',') + ')';
  Services.ppmm.loadProcessScript('data:,' + encodeURIComponent(call), false);
  setTimeout(() => { Services.ppmm.removeMessageListener(name, listener); resolve(JSON.stringify({ ok: false, error: 'no background answered' })); }, 5000);
})`;

/** Host access as a user's "Allow" in about:addons leaves it (Firefox installs MV3 add-ons without it). */
const GRANT_SITE_ACCESS = `async (id) => {
  const { ExtensionPermissions } = ChromeUtils.importESModule('resource://gre/modules/ExtensionPermissions.sys.mjs');
  await ExtensionPermissions.add(id, { permissions: [], origins: ['<all_urls>'] }, WebExtensionPolicy.getByID(id).extension);
  return 'granted';
}`;

async function bidi(browser: Browser, method: string, params: object): Promise<{ result: any }> {
  return (browser as unknown as { connection: { send(m: string, p: object): Promise<{ result: any }> } }).connection.send(method, params);
}

async function inChrome(browser: Browser, fn: string, args: string[]): Promise<string> {
  const tree = await bidi(browser, 'browsingContext.getTree', { 'moz:scope': 'chrome' });
  const r = (
    await bidi(browser, 'script.callFunction', {
      functionDeclaration: fn,
      awaitPromise: true,
      target: { context: tree.result.contexts[0].context },
      arguments: args.map((value) => ({ type: 'string', value })),
    })
  ).result as BidiResult;
  if (r.type !== 'success' || r.result?.type !== 'string') throw new Error(`privileged call failed: ${JSON.stringify(r)}`);
  return r.result.value as string;
}

export async function launchReefFirefox(options: Partial<Options>): Promise<ReefFirefox> {
  const profile = await mkdtemp(join(tmpdir(), 'reef-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    userDataDir: profile,
    args: ['-remote-allow-system-access'],
    extraPrefsFirefox: {
      // ICE on a loopback-only host: gather loopback candidates, do not hide host addresses behind mDNS names.
      'media.peerconnection.ice.loopback': true,
      'media.peerconnection.ice.obfuscate_host_addresses': false,
    },
  });
  const close = async () => {
    await browser.close().catch(() => {});
    await rm(profile, { recursive: true, force: true });
  };
  const callReef = async (method: string, ...args: unknown[]): Promise<any> => {
    const r = JSON.parse(await inChrome(browser, DISPATCH, [ADDON_ID, method, JSON.stringify(args), CALL_IN_BACKGROUND]));
    if (!r.ok) throw new Error(`reef.${method} in the Firefox background: ${r.error}`);
    return JSON.parse(r.json);
  };
  try {
    const id = await browser.installExtension(FIREFOX_EXTENSION_DIR);
    if (id !== ADDON_ID) throw new Error(`installed add-on has id ${id}, expected ${ADDON_ID}`);
    await inChrome(browser, GRANT_SITE_ACCESS, [ADDON_ID]);
    const b: ReefFirefox = {
      browser,
      newPage: () => browser.newPage(),
      setOptions: async (patch) => void (await callReef('saveOptions', patch)),
      figures: () => callReef('callOffscreen', 'engine-figures', null),
      call: callReef,
      close,
    };
    // The background may still be starting right after install: retry the first call briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await b.setOptions({ allowLoopbackHttp: true, peerWaitMs: 8_000, ...options });
        break;
      } catch (err) {
        if (attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (options.trackers?.length) {
      const end = Date.now() + 15_000;
      while (!(await b.figures().catch(() => null))?.engine?.trackerConnected) {
        if (Date.now() > end) throw new Error('the Firefox extension never connected to the tracker');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return b;
  } catch (err) {
    await close();
    throw err;
  }
}
