import { formatSri, type Manifest } from '../../shared/manifest';
import { sha256Sync } from '#platform/digest';

export const sri = (bytes: Uint8Array | string): string =>
  formatSri(sha256Sync(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes));

export function sampleManifest(): Manifest {
  const big = new Uint8Array(40 * 1024).map((_, i) => i % 251);
  return {
    version: 1,
    origin: 'https://example.com',
    objects: {
      '/index.html': { size: 5, type: 'text/html', integrity: sri('hello') },
      '/img/big.bin': {
        size: big.length,
        type: 'application/octet-stream',
        integrity: sri(big),
        chunkSize: 16 * 1024,
        chunks: [sri(big.subarray(0, 16384)), sri(big.subarray(16384, 32768)), sri(big.subarray(32768))],
      },
    },
  };
}

export const bigBody = (): Uint8Array => new Uint8Array(40 * 1024).map((_, i) => i % 251);
