// Firefox build: blocking webRequest + filterResponseData. For a listed object of an enabled, opted-in site the
// listener waits for Reef's verified bytes and, if it has them, replaces the response body with exactly those
// bytes; with none, the origin's response passes through untouched. (Firefox cannot yet answer a request without
// sending it: the origin still sees the request, but its body is not what the page gets.)
import browser from 'webextension-polyfill';
import { base64 } from '@scure/base';
import { fetchForUrl } from './serve';

type Details = browser.WebRequest.OnBeforeRequestDetailsType;

const REEF_TYPES: browser.WebRequest.ResourceType[] = ['image', 'imageset', 'media', 'script', 'stylesheet', 'font', 'xmlhttprequest'];

async function onBeforeRequest(details: Details): Promise<browser.WebRequest.BlockingResponse> {
  if (details.method !== 'GET') return {};
  const res = await fetchForUrl(details.url, details.tabId);
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
