// Remembers each file's hashes by (size, mtime, inode), so regenerating a large site re-hashes only what changed.
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { FileHash } from './hash-pool';
import type { SiteFile } from './walk';

interface CacheFile {
  version: 1;
  chunkSize: number;
  files: Record<string, [size: number, mtimeMs: number, ino: number, integrity: string, chunks?: string[]]>;
}

export class HashCache {
  private constructor(private data: CacheFile, private readonly path: string) {}

  static async load(path: string, chunkSize: number): Promise<HashCache> {
    try {
      const data = JSON.parse(await readFile(path, 'utf8')) as CacheFile;
      if (data.version === 1 && data.chunkSize === chunkSize && typeof data.files === 'object') return new HashCache(data, path);
    } catch {
      /* absent or unreadable: start afresh */
    }
    return new HashCache({ version: 1, chunkSize, files: {} }, path);
  }

  lookup(f: SiteFile): FileHash | undefined {
    const row = this.data.files[f.relPath];
    if (!row || row[0] !== f.size || row[1] !== f.mtimeMs || row[2] !== f.ino) return undefined;
    return { size: row[0], integrity: row[3], chunks: row[4] };
  }

  /** Replaces the cache's contents with exactly these files (deleted files drop out). */
  async save(entries: Array<[SiteFile, FileHash]>): Promise<void> {
    const files: CacheFile['files'] = {};
    for (const [f, h] of entries) files[f.relPath] = h.chunks ? [f.size, f.mtimeMs, f.ino, h.integrity, h.chunks] : [f.size, f.mtimeMs, f.ino, h.integrity];
    this.data = { ...this.data, files };
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(this.data));
    await rename(tmp, this.path);
  }
}
