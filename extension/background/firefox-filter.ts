// Firefox build: blocking webRequest + filterResponseData. For a listed object of an enabled, opted-in site the
// listener waits for Reef's verified bytes and, if it has them, replaces the response body with exactly those
// bytes; with none, the origin's response passes through untouched. (Firefox cannot yet answer a request without
// sending it: the origin still sees the request, but its body is not what the page gets.)
import browser from 'webextension-polyfill';
import { base64 } from '@scure/base';
import { cachedDiscovery } from './discovery';
import { fetchForUrl } from './serve';

type Details = browser.WebRequest.OnBeforeRequestDetailsType;

const REEF_TYPES: browser.WebRequest.ResourceType[] = ['image', 'imageset', 'media', 'script', 'stylesheet', 'font', 'xmlhttprequest'];

/** Requests Reef itself makes (manifests, fallback fetches from the origin or a seed) must pass straight through:
 *  holding one until Reef has the object would wait on itself forever. */
function fromReef(details: Details): boolean {
  const self = browser.runtime.getURL('');
  return details.tabId < 0 || (details.originUrl ?? '').startsWith(self) || (details.documentUrl ?? '').startsWith(self);
}

/** The longest a page request is held for Reef's bytes; past it the origin's own response goes through. */
const HOLD_LIMIT_MS = 15_000;

async function onBeforeRequest(details: Details): Promise<browser.WebRequest.BlockingResponse> {
  if (details.method !== 'GET' || fromReef(details)) return {};
  // Hold a page's request only for a site whose manifest is known already. Firefox delays the background's own
  // manifest request while the page is still loading (seen: it reached the origin only when held requests were
  // let go), so holding requests until discovery finished deadlocked the page's first visit.
  if (!(await cachedDiscovery(new URL(details.url).origin))?.manifest) return {};
  // Whatever goes wrong inside Reef, a held request must not hang the page.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const res = await Promise.race([
    fetchForUrl(details.url, details.tabId).catch(() => ({ ok: false as const, reason: 'failed' })),
    new Promise<{ ok: false; reason: string }>((r) => (timer = setTimeout(() => r({ ok: false, reason: 'timeout' }), HOLD_LIMIT_MS))),
  ]);
  clearTimeout(timer);
  if (!res.ok) return {};
  const bytes = base64.decode(res.body);
  const filter = browser.webRequest.filterResponseData(details.requestId);
  filter.ondata = () => {}; // drop the origin's body
  filter.onstop = () => {
    filter.write(bytes);
    filter.close();
  };
  filter.onerror = () => {};
  return {};
}

export function attachFirefoxFilter(): void {
  browser.webRequest.onBeforeRequest.addListener(onBeforeRequest, { urls: ['https://*/*', 'http://127.0.0.1/*', 'http://localhost/*'], types: REEF_TYPES }, ['blocking']);
}
