// Opt-in discovery: a site takes part only if it serves a valid manifest at /.well-known/reef.json. The answer,
// yes or no, is cached in storage.local (so it survives the service worker being stopped) with its own TTL, and
// concurrent asks for one origin share one request. The manifest request never carries cookies or credentials.
import browser from 'webextension-polyfill';
import { MANIFEST_WELL_KNOWN_PATH, decideTrust, normalizePath, parseManifest, type Manifest } from '../../shared/manifest';
import { originAllowed, type Options } from '../shared/options';

export type Discovery = { origin: string; manifest: Manifest | null; reason: string; fetchedAtMs: number; expiresAtMs: number };

const KEY_PREFIX = 'manifest:';
const inFlight = new Map<string, Promise<Discovery>>();
/**
 * The stored answers, read once per service-worker life: every intercepted object asks, and reading a large
 * manifest back from storage each time cost tens of milliseconds per image. Storage changes drop entries.
 */
const memo = new Map<string, Discovery>();
browser.storage.onChanged.addListener((changes, area) => {
  if (area !== 'local') return;
  for (const key of Object.keys(changes)) if (key.startsWith(KEY_PREFIX)) memo.delete(key.slice(KEY_PREFIX.length));
});

async function storedDiscovery(origin: string): Promise<Discovery | undefined> {
  const known = memo.get(origin);
  if (known) return known;
  const key = KEY_PREFIX + origin;
  const stored = (await browser.storage.local.get(key))[key] as Discovery | undefined;
  if (stored) memo.set(origin, stored);
  return stored;
}
/** Counts requests actually sent, so a test can see negative caching at work. */
export const discoveryCounters = { requests: 0 };

export async function discover(origin: string, opts: Options, now = Date.now()): Promise<Discovery> {
  if (!originAllowed(origin, opts)) return { origin, manifest: null, reason: 'origin-not-allowed', fetchedAtMs: now, expiresAtMs: now };
  const stored = await storedDiscovery(origin);
  if (stored && stored.expiresAtMs > now) return stored;
  let pending = inFlight.get(origin);
  if (!pending) {
    pending = fetchManifest(origin, opts).then(async (d) => {
      await browser.storage.local.set({ [KEY_PREFIX + origin]: d });
      memo.set(origin, d);
      return d;
    });
    pending.finally(() => inFlight.delete(origin)).catch(() => {});
    inFlight.set(origin, pending);
  }
  return pending;
}

/** The cached answer without any network, for callers that must not wait (e.g. a paused request in a hurry). */
export async function cachedDiscovery(origin: string, now = Date.now()): Promise<Discovery | undefined> {
  const stored = await storedDiscovery(origin);
  return stored && stored.expiresAtMs > now ? stored : undefined;
}

export async function forgetDiscoveries(): Promise<void> {
  memo.clear();
  const all = await browser.storage.local.get(null);
  await browser.storage.local.remove(Object.keys(all).filter((k) => k.startsWith(KEY_PREFIX)));
}

async function fetchManifest(origin: string, opts: Options): Promise<Discovery> {
  const started = Date.now();
  const negative = (reason: string): Discovery => ({ origin, manifest: null, reason, fetchedAtMs: started, expiresAtMs: started + opts.negativeTtlMs });
  discoveryCounters.requests++;
  let res: Response;
  try {
    // credentials: 'omit' — a manifest is public; a cookie here would tie the user's session to Reef's traffic.
    res = await fetch(origin + MANIFEST_WELL_KNOWN_PATH, { credentials: 'omit', cache: 'no-cache', redirect: 'error', referrerPolicy: 'no-referrer' });
  } catch (err) {
    return negative(`unreachable: ${(err as Error).message}`);
  }
  if (!res.ok) return negative(`http ${res.status}`);
  try {
    const manifest = parseManifest(new Uint8Array(await res.arrayBuffer()));
    const pinKey = 'pin:' + origin;
    const decision = decideTrust(manifest, { source: 'origin', origin, nowMs: started });
    if (decision.pin) await browser.storage.local.set({ [pinKey]: decision.pin });
    else await browser.storage.local.remove(pinKey);
    return { origin, manifest, reason: 'ok', fetchedAtMs: started, expiresAtMs: started + opts.manifestTtlMs };
  } catch (err) {
    return negative(`invalid manifest: ${(err as Error).message}`);
  }
}

/** The manifest key for a request URL on a discovered site, or null when the URL is not a listed object. */
export function listedPath(d: Discovery, url: URL): string | null {
  if (!d.manifest || url.origin !== d.origin || url.search !== '' || url.hash !== '') return null;
  const path = normalizePath(url.pathname);
  if (path === null) return null;
  return Object.hasOwn(d.manifest.objects, path) ? path : null;
}
