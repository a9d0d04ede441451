import { describe, expect, it } from 'vitest';
import { chunkCount, chunkRange, verifyChunk, verifyObject } from '../../shared/manifest';
import { bigBody, sampleManifest } from './fixtures';

describe('object and chunk verification', () => {
  const m = sampleManifest();
  const big = m.objects['/img/big.bin'];
  const body = bigBody();

  it('accepts the exact bytes and rejects any other', async () => {
    expect(await verifyObject(new TextEncoder().encode('hello'), m.objects['/index.html'])).toBe(true);
    expect(await verifyObject(new TextEncoder().encode('hellO'), m.objects['/index.html'])).toBe(false);
    expect(await verifyObject(new TextEncoder().encode('hello!'), m.objects['/index.html'])).toBe(false);
    expect(await verifyObject(body, big)).toBe(true);
  });

  it('verifies each chunk on its own, and refuses a chunk at the wrong index', async () => {
    expect(chunkCount(big)).toBe(3);
    for (let i = 0; i < 3; i++) {
      const { start, end } = chunkRange(big, i);
      expect(await verifyChunk(body.subarray(start, end), big, i)).toBe(true);
    }
    expect(chunkRange(big, 2)).toEqual({ start: 32768, end: 40960 });
    expect(await verifyChunk(body.subarray(0, 16384), big, 1)).toBe(false);
    const corrupt = body.slice(16384, 32768);
    corrupt[100] ^= 1;
    expect(await verifyChunk(corrupt, big, 1)).toBe(false);
    expect(() => chunkRange(big, 3)).toThrow(RangeError);
  });

  it('treats an unchunked object as one chunk', async () => {
    const small = m.objects['/index.html'];
    expect(chunkCount(small)).toBe(1);
    expect(await verifyChunk(new TextEncoder().encode('hello'), small, 0)).toBe(true);
  });
});
