// The figures the popup shows, gathered from the background (per tab, site state) and the offscreen side (overall).
import browser from 'webextension-polyfill';
import type { Figures, PopupState } from '../shared/messages';
import { loadOptions } from '../shared/options';
import { cachedDiscovery } from './discovery';
import { emptyTally, tabTally } from './figures';
import { fullModeActive } from './full-mode';
import { callOffscreen } from './offscreen-client';

export async function popupState(tabId: number | null): Promise<PopupState> {
  const opts = await loadOptions();
  let origin: string | null = null;
  if (tabId !== null) {
    const tab = await browser.tabs.get(tabId).catch(() => null);
    if (tab?.url && /^https?:/.test(tab.url)) origin = new URL(tab.url).origin;
  }
  const d = origin ? await cachedDiscovery(origin) : undefined;
  const overall: Figures = await callOffscreen('engine-figures', null).catch(() => ({
    bytes: emptyTally(),
    peersConnected: 0,
    uploadedBytes: 0,
    uploadUsedThisMonth: 0,
  }));
  return {
    origin,
    optedIn: !!d?.manifest,
    siteEnabled: origin !== null && opts.enabled && !opts.disabledSites.includes(origin),
    tab: tabId !== null ? await tabTally(tabId) : emptyTally(),
    overall,
    fullMode: await fullModeActive(opts),
  };
}
