// Service worker entry (Chromium) / background script (Firefox). Thin on purpose: every listener is attached
// synchronously at the top level, so an event that wakes a stopped worker finds its listener; the work lives in
// the modules imported here.
import browser from 'webextension-polyfill';
import { listen } from '../shared/messages';
import { loadOptions, onOptionsChanged, saveOptions } from '../shared/options';
import { clearAllRules, prepareSite, siteRuleCount, sitePlan } from './default-mode';
import { discover, discoveryCounters, cachedDiscovery } from './discovery';
import { forgetTab, tabTally } from './figures';
import { attachFirefoxFilter } from './firefox-filter';
import { attachAllTabs, attachTab, detachAll, fullModeActive, fullModeLog, onDetached, onRequestPaused } from './full-mode';
import { callOffscreen, pushOptions } from './offscreen-client';
import { fetchForUrl } from './serve';
import { popupState } from './popup-state';

let debuggerListening = false;

listen('background', {
  'site-plan': ({ origin }) => sitePlan(origin),
  'get-object': ({ url }, sender) => fetchForUrl(url, sender.tab?.id ?? null),
  'popup-state': ({ tabId }) => popupState(tabId),
  'set-site-enabled': async ({ origin, enabled }) => {
    const opts = await loadOptions();
    const disabledSites = opts.disabledSites.filter((s) => s !== origin);
    if (!enabled) disabledSites.push(origin);
    return saveOptions({ disabledSites });
  },
  'full-mode-changed': () => applyFullMode(),
});

async function applyFullMode(): Promise<boolean> {
  const on = await fullModeActive();
  if (on) {
    await clearAllRules();
    await attachAllTabs();
  } else if (!__REEF_FIREFOX__) await detachAll();
  return on;
}

onOptionsChanged((opts) => {
  void pushOptions(opts).then(() => startEngineIfConfigured());
  void applyFullMode();
  // Site switches and the master switch change which blocking rules should exist: rebuild from scratch;
  // content scripts re-create rules for sites still served on their next page.
  void clearAllRules();
});

// Discovery (and in default mode the blocking rules) start with the navigation, so they are usually ready before
// the page asks for anything; full mode holds the document request until discovery is done.
browser.webNavigation.onBeforeNavigate.addListener((details) => {
  if (details.frameId !== 0 || !/^https?:/.test(details.url)) return;
  void prepareSite(new URL(details.url).origin).catch(() => {});
});

// The engine must run to serve peers and announce what the cache holds, not only when this browser fetches.
browser.runtime.onStartup.addListener(() => void startEngineIfConfigured());
browser.runtime.onInstalled.addListener((details) => {
  void startEngineIfConfigured();
  // Firefox installs MV3 extensions without their host permissions: show the page that asks for them.
  if (details.reason === 'install')
    void browser.permissions.contains({ origins: ['<all_urls>'] }).then((ok) => (ok ? undefined : browser.runtime.openOptionsPage()));
});

async function startEngineIfConfigured(): Promise<void> {
  const opts = await loadOptions();
  if (opts.enabled && opts.trackers.length > 0) await callOffscreen('engine-figures', null).catch(() => {});
}

browser.tabs.onRemoved.addListener((tabId) => void forgetTab(tabId));

if (__REEF_FIREFOX__) {
  attachFirefoxFilter();
  // Firefox suspends an idle MV3 background page after 30 s, and with it the engine: the tracker connection
  // drops and nothing is served to peers. A call into the browser's parent process counts as activity.
  setInterval(() => void browser.runtime.getPlatformInfo(), 20_000);
} else {
  browser.tabs.onCreated.addListener((tab) => {
    if (tab.id !== undefined) void fullModeActive().then((on) => (on ? attachTab(tab.id!) : undefined));
  });
  attachDebuggerListeners();
  browser.permissions.onAdded.addListener(() => {
    attachDebuggerListeners();
    void applyFullMode();
  });
  browser.permissions.onRemoved.addListener(() => void applyFullMode());
  // Worker (re)start with full mode on: re-attach what the previous worker had.
  void applyFullMode();
}

/**
 * chrome.debugger exists only while the optional permission is granted: attach its listeners at the top level
 * when it is there at start-up, or as soon as the permission arrives.
 */
function attachDebuggerListeners(): void {
  if (debuggerListening || !chrome.debugger) return;
  debuggerListening = true;
  chrome.debugger.onEvent.addListener((source, method, params) => {
    if (method === 'Fetch.requestPaused' && source.tabId !== undefined) void onRequestPaused(source.tabId, params as Parameters<typeof onRequestPaused>[1]);
  });
  chrome.debugger.onDetach.addListener((source) => source.tabId !== undefined && onDetached(source.tabId));
}

// For tests and debugging from the DevTools console / Playwright's sw.evaluate: read-only views and the option writer.
Object.assign(globalThis, {
  reef: { siteRuleCount, loadOptions, saveOptions, discover, cachedDiscovery, discoveryCounters, fullModeActive, fullModeLog, tabTally, callOffscreen, fetchForUrl },
});
