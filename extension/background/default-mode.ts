// Default mode (no extra permission): images and media of opted-in pages. The content script swaps listed
// element URLs for blob: URLs of verified bytes; session DNR rules block the page's own requests for exactly
// those URLs (image/media requests initiated by the site itself), so the origin is not asked twice. The content
// script's fallback fetch is an XHR-type request, which the rules leave alone: the page always gets its bytes.
import browser from 'webextension-polyfill';
import type { SitePlan } from '../shared/messages';
import { loadOptions, type Options } from '../shared/options';
import { discover, type Discovery } from './discovery';
import { fullModeActive } from './full-mode';
import { callOffscreen } from './offscreen-client';

type Rule = browser.DeclarativeNetRequest.Rule;

/** Types the default route can deliver: an element with a URL attribute the content script can rewrite. */
export function deliverableInDefaultMode(type: string): boolean {
  return /^(image|video|audio)\//i.test(type);
}

/** DNR urlFilter syntax gives `*`, `^` and `|` meanings; such paths are left to load normally. */
const FILTER_SAFE = /^[^*^|]+$/;
/** Chromium allows 5000 session rules; stay well below, across sites. */
const MAX_RULES_PER_SITE = 1000;

/** Discovery plus the blocking rules, started with a navigation so both are ready before the page's images. */
export async function prepareSite(origin: string): Promise<void> {
  const opts = await loadOptions();
  if (!opts.enabled || opts.disabledSites.includes(origin) || (await fullModeActive(opts))) return;
  const d = await discover(origin, opts);
  if (!d.manifest) return;
  // While the page downloads: links to the site's current holders (the tracker sees these content hashes, as
  // it would on the page's first object request a moment later).
  const integrities = Object.keys(planObjects(d)).slice(0, 8).map((path) => d.manifest!.objects[path].integrity);
  if (integrities.length > 0) void callOffscreen('preconnect', { integrities }).catch(() => {});
  await syncSiteRules(d, opts);
}

/** How many blocking rules exist for a site (tests wait on it; the popup could show it). */
export async function siteRuleCount(origin: string): Promise<number> {
  const rules = await browser.declarativeNetRequest.getSessionRules();
  return rules.filter((r) => r.condition.urlFilter?.startsWith('|' + origin + '/')).length;
}

export async function sitePlan(origin: string): Promise<SitePlan | null> {
  const opts = await loadOptions();
  if (!opts.enabled || opts.disabledSites.includes(origin) || (await fullModeActive(opts))) return null;
  const d = await discover(origin, opts);
  if (!d.manifest) return null;
  await syncSiteRules(d, opts);
  return { origin, objects: planObjects(d) };
}

function planObjects(d: Discovery): SitePlan['objects'] {
  const out: SitePlan['objects'] = {};
  let n = 0;
  for (const [path, entry] of Object.entries(d.manifest?.objects ?? {})) {
    if (!deliverableInDefaultMode(entry.type) || !FILTER_SAFE.test(path)) continue;
    if (n++ >= MAX_RULES_PER_SITE) break;
    out[path] = { type: entry.type, size: entry.size };
  }
  return out;
}

// Rule ids are allocated from the current rule set: updates must not interleave.
let ruleQueue: Promise<unknown> = Promise.resolve();
function serially(fn: () => Promise<void>): Promise<void> {
  const run = ruleQueue.then(fn, fn);
  ruleQueue = run.catch(() => {});
  return run;
}

/**
 * What the site's rules were last made from (this service-worker life): each page load asks for its plan, and
 * rewriting unchanged rules delayed the page's first image request. Session rules outlive the worker; a new
 * worker re-syncs once.
 */
const syncedFrom = new Map<string, string>();

/** Replaces the site's blocking rules with ones matching its current plan (none when it should not be served). */
export function syncSiteRules(d: Discovery, opts: Options): Promise<void> {
  return serially(() => syncSiteRulesNow(d, opts));
}

async function syncSiteRulesNow(d: Discovery, opts: Options): Promise<void> {
  const serving = opts.enabled && !opts.disabledSites.includes(d.origin) && d.manifest !== null && !(await fullModeActive(opts));
  const from = `${serving}|${d.fetchedAtMs}|${d.reason}`;
  if (syncedFrom.get(d.origin) === from) return;
  syncedFrom.delete(d.origin);
  const existing = await browser.declarativeNetRequest.getSessionRules();
  const prefix = '|' + d.origin + '/';
  const mine = existing.filter((r) => r.condition.urlFilter?.startsWith(prefix));
  let nextId = existing.reduce((m, r) => Math.max(m, r.id), 0) + 1;
  const host = new URL(d.origin).hostname;
  const addRules: Rule[] = serving
    ? Object.keys(planObjects(d)).map((path) => ({
        id: nextId++,
        priority: 1,
        action: { type: 'block' },
        condition: {
          urlFilter: '|' + d.origin + path + '|',
          resourceTypes: ['image', 'media'],
          // Only the site's own pages: the content script rewrites elements of same-origin pages only.
          initiatorDomains: [host],
        },
      }))
    : [];
  await browser.declarativeNetRequest.updateSessionRules({ removeRuleIds: mine.map((r) => r.id), addRules });
  syncedFrom.set(d.origin, from);
}

/** Drops every blocking rule (Reef switched off, or full mode taking over). */
export function clearAllRules(): Promise<void> {
  return serially(async () => {
    syncedFrom.clear();
    const existing = await browser.declarativeNetRequest.getSessionRules();
    await browser.declarativeNetRequest.updateSessionRules({ removeRuleIds: existing.map((r) => r.id) });
  });
}
