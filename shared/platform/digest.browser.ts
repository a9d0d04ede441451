// Browser: WebCrypto's digest is the platform's native SHA-256 (about 1 GB/s); it is async only.
export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
}

export function sha256Sync(_data: Uint8Array): Uint8Array {
  throw new Error('sha256Sync is not available in the browser; use sha256()');
}

export const platform = 'browser' as const;
