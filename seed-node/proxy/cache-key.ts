// The one spelling of a proxied URL, and its key in the Coral index.
// Index key = the first 20 bytes of SHA-256 over the UTF-8 of the normalized absolute URL
// (`scheme://host[:port]/path[?query]`: default port omitted, path as normalizePath() spells it, no fragment).
import { sha256 } from '@noble/hashes/sha2.js';
import { normalizePath } from '../../shared/manifest';

export const INDEX_KEY_BYTES = 20;

export interface OriginTarget {
  scheme: 'http' | 'https';
  host: string;
  port: number;
}

export function originOf(t: OriginTarget): string {
  const dflt = t.scheme === 'https' ? 443 : 80;
  return `${t.scheme}://${t.host}${t.port === dflt ? '' : ':' + t.port}`;
}

/** The normalized absolute URL for a request target `/path?query`, or null if the path cannot be normalized. */
export function normalizedUrl(t: OriginTarget, requestTarget: string): { url: string; path: string } | null {
  if (!requestTarget.startsWith('/') || requestTarget.length > 8192) return null;
  const noFragment = requestTarget.split('#')[0];
  const q = noFragment.indexOf('?');
  const rawPath = q === -1 ? noFragment : noFragment.slice(0, q);
  const path = normalizePath(rawPath);
  if (path === null || path.startsWith('//')) return null;
  let query = '';
  if (q !== -1 && q < noFragment.length - 1) {
    try {
      query = new URL('https://reef.invalid/?' + noFragment.slice(q + 1)).search;
    } catch {
      return null;
    }
  }
  return { url: originOf(t) + path + query, path };
}

export function indexKeyOf(url: string): Uint8Array {
  return sha256(new TextEncoder().encode(url)).slice(0, INDEX_KEY_BYTES);
}
