// HTTP caching rules for a shared cache (RFC 9111), reduced to what a flash-crowd proxy needs.
// Pure functions over header records; time comes in as arguments.
import type { IncomingHttpHeaders } from 'node:http';

export type HeaderRecord = Record<string, string>;

/** Hop-by-hop and per-user headers never stored or relayed (cookies are stripped in both directions). */
const DROPPED = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'set-cookie', 'set-cookie2', 'cookie', 'authorization', 'age', 'x-cache', 'via',
  'alt-svc', 'strict-transport-security', 'content-range', 'accept-ranges',
]);

/** The origin response headers worth keeping: single-valued, lower-case names, no hop-by-hop or cookies. */
export function storableHeaders(h: IncomingHttpHeaders): HeaderRecord {
  const out: HeaderRecord = {};
  for (const [name, value] of Object.entries(h)) {
    if (value === undefined || DROPPED.has(name) || name.startsWith('x-reef-')) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function parseCacheControl(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!value) return out;
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!name) continue;
    const arg = eq === -1 ? '' : part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (!out.has(name)) out.set(name, arg);
  }
  return out;
}

function seconds(v: string | undefined): number | null {
  if (v === undefined || !/^\d{1,10}$/.test(v)) return null;
  return Number(v);
}

/** Only complete 200 responses without no-store/private and without `Vary: *` are kept. */
export function isStorable(status: number, h: HeaderRecord): boolean {
  if (status !== 200) return false;
  const cc = parseCacheControl(h['cache-control']);
  if (cc.has('no-store') || cc.has('private')) return false;
  return !varyNames(h).includes('*');
}

/** How long a response is fresh from the moment the origin generated it. */
export function freshnessMs(h: HeaderRecord, defaultTtlMs: number): number {
  const cc = parseCacheControl(h['cache-control']);
  if (cc.has('no-cache')) return 0;
  const s = seconds(cc.get('s-maxage')) ?? seconds(cc.get('max-age'));
  if (s !== null) return s * 1000;
  if (h.expires !== undefined) {
    const expires = Date.parse(h.expires);
    const date = h.date !== undefined ? Date.parse(h.date) : NaN;
    if (Number.isNaN(expires)) return 0; // an invalid Expires means "already expired"
    return Math.max(0, expires - (Number.isNaN(date) ? expires : date));
  }
  return defaultTtlMs;
}

/** Age the response already had when it reached us (from an upstream cache or a peer seed). */
export function ageHeaderMs(h: IncomingHttpHeaders): number {
  const a = typeof h.age === 'string' ? seconds(h.age.trim()) : null;
  return a === null ? 0 : a * 1000;
}

export function varyNames(h: HeaderRecord): string[] {
  const v = h.vary;
  if (!v) return [];
  return [...new Set(v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean))].sort();
}

/** The part of a cache key that selects one variant: the request's values of the Vary headers. */
export function variantSuffix(names: string[], req: IncomingHttpHeaders): string {
  if (names.length === 0) return '';
  return names.map((n) => `\n${n}:${requestHeaderValue(req, n)}`).join('');
}

function requestHeaderValue(req: IncomingHttpHeaders, name: string): string {
  // Cookies and credentials are never sent to the origin, so a Vary on them sees one (empty) value.
  if (name === 'cookie' || name === 'authorization') return '';
  const v = req[name];
  return (Array.isArray(v) ? v.join(', ') : (v ?? '')).trim();
}

export function hasValidators(h: HeaderRecord): boolean {
  return h.etag !== undefined || h['last-modified'] !== undefined;
}

export function revalidationHeaders(h: HeaderRecord): HeaderRecord {
  const out: HeaderRecord = {};
  if (h.etag !== undefined) out['if-none-match'] = h.etag;
  if (h['last-modified'] !== undefined) out['if-modified-since'] = h['last-modified'];
  return out;
}

/** Headers of a 304 replace the stored ones they name (RFC 9111 4.3.4), except the body's framing. */
export function mergeNotModified(stored: HeaderRecord, fresh: HeaderRecord): HeaderRecord {
  const out = { ...stored };
  for (const [k, v] of Object.entries(fresh)) if (k !== 'content-length' && k !== 'content-encoding') out[k] = v;
  return out;
}
