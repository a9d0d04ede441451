// Full mode (Chromium, optional `debugger` permission): every tab is attached with the DevTools protocol's Fetch
// domain, so each request pauses in the service worker before it leaves. A GET for a listed object of an enabled,
// opted-in site is fulfilled with verified bytes — the origin never sees it; anything else, and any listed object
// Reef cannot get verified, continues to the origin untouched. A document request waits for its site's discovery,
// so the manifest is known before any subresource of the page is asked for, even on a first visit.
import browser from 'webextension-polyfill';
import { loadOptions, originAllowed, type Options } from '../shared/options';
import { discover } from './discovery';
import { fetchForUrl } from './serve';

const PROTOCOL_VERSION = '1.3';
const attached = new Set<number>();
/** The last decisions taken on paused requests (for the popup's debugging and for tests). */
export const fullModeLog: Array<{ url: string; type: string; outcome: string }> = [];
function note(url: string, type: string, outcome: string): void {
  fullModeLog.push({ url, type, outcome });
  if (fullModeLog.length > 200) fullModeLog.shift();
}

function dbg(): NonNullable<ChromeApi['debugger']> {
  if (!chrome.debugger) throw new Error('the debugger permission is not granted');
  return chrome.debugger;
}

export async function fullModeActive(opts?: Options): Promise<boolean> {
  if (__REEF_FIREFOX__) return false;
  const o = opts ?? (await loadOptions());
  return o.enabled && o.fullMode && (await browser.permissions.contains({ permissions: ['debugger' as browser.Manifest.OptionalPermission] }));
}

export async function attachTab(tabId: number): Promise<void> {
  if (attached.has(tabId)) return;
  attached.add(tabId);
  try {
    await dbg().attach({ tabId }, PROTOCOL_VERSION);
    await dbg().sendCommand({ tabId }, 'Fetch.enable', { patterns: [{ urlPattern: 'http*', requestStage: 'Request' }] });
  } catch {
    // Already attached (service worker restarted while the session lived on) or a tab we may not attach to.
    try {
      await dbg().sendCommand({ tabId }, 'Fetch.enable', { patterns: [{ urlPattern: 'http*', requestStage: 'Request' }] });
    } catch {
      attached.delete(tabId);
    }
  }
}

export async function detachAll(): Promise<void> {
  for (const tabId of [...attached]) {
    attached.delete(tabId);
    await Promise.resolve()
      .then(() => dbg().detach({ tabId }))
      .catch(() => {});
  }
}

/** Attach to every open tab (full mode switched on, or the service worker started with it on). */
export async function attachAllTabs(): Promise<void> {
  for (const tab of await browser.tabs.query({})) if (tab.id !== undefined) await attachTab(tab.id);
}

export function onDetached(tabId: number): void {
  attached.delete(tabId);
}

interface RequestPaused {
  requestId: string;
  request: { url: string; method: string; headers: Record<string, string> };
  resourceType: string;
}

export async function onRequestPaused(tabId: number, p: RequestPaused): Promise<void> {
  const target = { tabId };
  const pass = () => dbg().sendCommand(target, 'Fetch.continueRequest', { requestId: p.requestId }).catch(() => {});
  try {
    const answer = await decide(tabId, p);
    if (typeof answer === 'string') {
      note(p.request.url, p.resourceType, answer);
      return void (await pass());
    }
    note(p.request.url, p.resourceType, 'reef:' + answer.source);
    await dbg().sendCommand(target, 'Fetch.fulfillRequest', {
      requestId: p.requestId,
      responseCode: 200,
      responseHeaders: [
        { name: 'Content-Type', value: answer.type },
        { name: 'Content-Length', value: String(answer.size) },
        { name: 'X-Reef-Source', value: answer.source },
      ],
      body: answer.body,
    });
  } catch (err) {
    note(p.request.url, p.resourceType, 'error: ' + (err as Error).message);
    await pass();
  }
}

/** The verified answer to fulfil the request with, or why the request goes to the origin. */
async function decide(tabId: number, p: RequestPaused): Promise<{ body: string; type: string; size: number; source: string } | string> {
  if (p.request.method !== 'GET') return 'not GET';
  let url: URL;
  try {
    url = new URL(p.request.url);
  } catch {
    return 'bad url';
  }
  const opts = await loadOptions();
  if (!opts.enabled || !originAllowed(url.origin, opts) || opts.disabledSites.includes(url.origin)) return 'site not served';
  if (p.resourceType === 'Document') {
    await discover(url.origin, opts); // hold the page until we know whether its site opted in
    return 'document';
  }
  const headers = Object.fromEntries(Object.entries(p.request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  // A partial request other than "from the start" would need a 206 we do not build: let the origin answer it.
  if (headers.range && !/^bytes=0-$/.test(headers.range.trim())) return 'partial range';
  // A cross-origin CORS request needs the origin's own CORS headers, which only the origin can give.
  if (headers.origin && headers.origin !== url.origin) return 'cross-origin cors';
  const res = await fetchForUrl(url.href, tabId);
  return res.ok ? res : res.reason;
}
