// Random identifiers from the platform CSPRNG (crypto.getRandomValues: browsers and Node >= 19).
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

export function randomId(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let s = '';
  for (const b of bytes) s += ALPHABET[b & 63];
  return s;
}
