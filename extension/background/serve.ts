// One question asked by every interception route: "can Reef give this request URL's verified bytes?"
// Yes only for an object listed in a valid manifest of an enabled site, with Reef on.
import type { FetchResult } from '../shared/messages';
import { loadOptions } from '../shared/options';
import { discover, listedPath } from './discovery';
import { addToTab } from './figures';
import { callOffscreen } from './offscreen-client';
import { seedProxyUrl } from './seed-url';

export async function siteActive(origin: string): Promise<boolean> {
  const opts = await loadOptions();
  return opts.enabled && !opts.disabledSites.includes(origin);
}

export async function fetchForUrl(rawUrl: string, tabId: number | null): Promise<FetchResult> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, reason: 'bad url' };
  }
  const opts = await loadOptions();
  if (!opts.enabled) return { ok: false, reason: 'reef is off' };
  if (opts.disabledSites.includes(url.origin)) return { ok: false, reason: 'site disabled' };
  const d = await discover(url.origin, opts);
  const path = listedPath(d, url);
  if (!d.manifest || path === null) return { ok: false, reason: 'not listed' };
  // The first configured seed's proxy is the fallback before the origin (the engine verifies its bytes too).
  const seedProxy = opts.seeds.map((s) => seedProxyUrl(s, url.origin + path)).find((u) => u !== null) ?? undefined;
  const res = await callOffscreen('fetch-object', { site: url.origin, path, entry: d.manifest.objects[path], originUrl: url.href, seedProxyUrl: seedProxy });
  if (res.ok && tabId !== null && tabId >= 0) await addToTab(tabId, res.sources);
  return res;
}
