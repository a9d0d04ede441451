// Where a seed's caching proxy serves an origin's file (docs/proxy.md, "Naming"): the origin's host, its port
// as a numeric label when it is not the scheme's default, then the seed's zone. A seed is configured by the base
// URL of its zone, e.g. `https://reef.example` or, for tests, `http://reef.localhost:8470`.
export function seedProxyUrl(seedBase: string, objectUrl: string): string | null {
  let seed: URL;
  let object: URL;
  try {
    seed = new URL(seedBase);
    object = new URL(objectUrl);
  } catch {
    return null;
  }
  // Names go *under* the zone: a seed given by IP address has no zone to put them under.
  if (/^[0-9.]+$/.test(seed.hostname) || seed.hostname.startsWith('[')) return null;
  if (object.hostname.startsWith('[')) return null; // IPv6 literals have no label form
  const portLabel = object.port ? `.${object.port}` : '';
  const seedPort = seed.port ? `:${seed.port}` : '';
  return `${seed.protocol}//${object.hostname}${portLabel}.${seed.hostname}${seedPort}${object.pathname}`;
}
