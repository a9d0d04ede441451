// Manifest keys are URL paths in one canonical spelling, so a request URL maps to at most one entry.

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * The canonical form of a URL path: WHATWG URL percent-encoding, dot segments resolved,
 * percent-escapes of unreserved characters decoded, other escapes upper-cased.
 * Returns null for something that is not a plain absolute path (query, fragment, backslash, control characters).
 */
export function normalizePath(path: string): string | null {
  if (!path.startsWith('/') || path.startsWith('//')) return null;
  if (/[?#\\\u0000-\u001f\u007f]/.test(path)) return null;
  let pathname: string;
  try {
    pathname = new URL(path, 'https://reef.invalid').pathname;
  } catch {
    return null;
  }
  return pathname.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : '%' + hex.toUpperCase();
  });
}

/** Why `path` cannot be a manifest key, or null if it is one already in canonical form. */
export function pathProblem(path: string): { code: 'bad-path' | 'path-not-normalized'; detail: string } | null {
  if (path.length === 0) return { code: 'bad-path', detail: 'empty path' };
  const norm = normalizePath(path);
  if (norm === null) return { code: 'bad-path', detail: 'must be an absolute URL path without query, fragment, backslash or control characters' };
  if (norm.split('/').slice(1, -1).some((seg) => seg === ''))
    return { code: 'path-not-normalized', detail: 'empty path segment ("//")' };
  if (norm !== path) return { code: 'path-not-normalized', detail: `canonical form is "${norm}"` };
  return null;
}

/** The manifest key for a file path relative to the site root (POSIX separators). */
export function pathForFile(relative: string): string {
  const encoded = '/' + relative.split('/').map(encodeURIComponent).join('/');
  const norm = normalizePath(encoded);
  if (norm === null) throw new Error(`cannot express "${relative}" as a URL path`);
  return norm;
}
