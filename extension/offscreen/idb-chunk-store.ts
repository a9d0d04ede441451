// The verified-chunk cache in IndexedDB: kept across browser restarts, bounded by the user's quota, least recently
// used objects evicted first. Only verified bytes are ever put here (callers verify before putChunk), so anything
// read back may be served to a page or a peer as is.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { ChunkMeta, ChunkStore, StoreHolding } from '../../shared/fetch/chunk-store';

interface ObjectRecord extends ChunkMeta {
  integrity: string;
  have: number[];
  /** Bytes of this object's chunks held. */
  bytes: number;
  lastUsedMs: number;
}

interface CacheSchema extends DBSchema {
  chunks: { key: [string, number]; value: Uint8Array };
  objects: { key: string; value: ObjectRecord; indexes: { byLastUsed: number } };
}

export const CACHE_DB_NAME = 'reef-cache';

export class IdbChunkStore implements ChunkStore {
  private totalBytes = 0;
  private readonly writing = new Set<Promise<void>>();

  private constructor(
    private readonly db: IDBPDatabase<CacheSchema>,
    private quotaBytes: number,
    private readonly now: () => number,
  ) {}

  static async open(opts: { quotaBytes: number; now?: () => number; name?: string }): Promise<IdbChunkStore> {
    const db = await openDB<CacheSchema>(opts.name ?? CACHE_DB_NAME, 1, {
      upgrade(db) {
        db.createObjectStore('chunks');
        db.createObjectStore('objects', { keyPath: 'integrity' }).createIndex('byLastUsed', 'lastUsedMs');
      },
    });
    const store = new IdbChunkStore(db, opts.quotaBytes, opts.now ?? Date.now);
    for (const rec of await db.getAll('objects')) store.totalBytes += rec.bytes;
    return store;
  }

  get usedBytes(): number {
    return this.totalBytes;
  }

  async setQuota(quotaBytes: number): Promise<void> {
    this.quotaBytes = quotaBytes;
    await this.evict(null);
  }

  async getChunk(integrity: string, index: number): Promise<Uint8Array | undefined> {
    const bytes = await this.db.get('chunks', [integrity, index]);
    if (bytes) void this.touch(integrity);
    return bytes;
  }

  putChunk(integrity: string, index: number, bytes: Uint8Array, meta: ChunkMeta): Promise<void> {
    const w = this.putChunkNow(integrity, index, bytes, meta);
    this.writing.add(w);
    void w.catch(() => {}).finally(() => this.writing.delete(w));
    return w;
  }

  /** Resolves when every putChunk started so far has finished (IndexedDB writes are slower than a fetch's end). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.writing]);
  }

  private async putChunkNow(integrity: string, index: number, bytes: Uint8Array, meta: ChunkMeta): Promise<void> {
    if (bytes.byteLength > this.quotaBytes) return; // could never be kept; not an error, just not cached
    const tx = this.db.transaction(['chunks', 'objects'], 'readwrite');
    const objects = tx.objectStore('objects');
    const rec: ObjectRecord = (await objects.get(integrity)) ?? { integrity, ...meta, have: [], bytes: 0, lastUsedMs: 0 };
    if (!rec.have.includes(index)) {
      rec.have.push(index);
      rec.have.sort((a, b) => a - b);
      rec.bytes += bytes.byteLength;
      this.totalBytes += bytes.byteLength;
      // Copy: a view into a larger buffer would store the whole buffer.
      await tx.objectStore('chunks').put(bytes.slice(), [integrity, index]);
    }
    rec.lastUsedMs = this.now();
    await objects.put(rec);
    await tx.done;
    await this.evict(integrity);
  }

  async holdings(): Promise<StoreHolding[]> {
    return (await this.db.getAll('objects')).map(({ integrity, chunkCount, have, site }) => ({ integrity, chunkCount, have, site }));
  }

  /** The whole object if every chunk is held (chunks concatenated in order), else undefined. */
  async getObject(integrity: string): Promise<{ bytes: Uint8Array; type: string } | undefined> {
    const rec = await this.db.get('objects', integrity);
    if (!rec || rec.have.length !== rec.chunkCount) return undefined;
    const out = new Uint8Array(rec.size);
    let at = 0;
    for (let i = 0; i < rec.chunkCount; i++) {
      const chunk = await this.db.get('chunks', [integrity, i]);
      if (!chunk) return undefined;
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    void this.touch(integrity);
    return at === rec.size ? { bytes: out, type: rec.type } : undefined;
  }

  async deleteObject(integrity: string): Promise<void> {
    const tx = this.db.transaction(['chunks', 'objects'], 'readwrite');
    const rec = await tx.objectStore('objects').get(integrity);
    if (rec) {
      for (const i of rec.have) await tx.objectStore('chunks').delete([integrity, i]);
      await tx.objectStore('objects').delete(integrity);
      this.totalBytes -= rec.bytes;
    }
    await tx.done;
  }

  close(): void {
    this.db.close();
  }

  private async touch(integrity: string): Promise<void> {
    const tx = this.db.transaction('objects', 'readwrite');
    const rec = await tx.store.get(integrity);
    if (rec) {
      rec.lastUsedMs = this.now();
      await tx.store.put(rec);
    }
    await tx.done;
  }

  /** Drops least recently used objects until the total fits the quota, sparing `keep` (the one being written). */
  private async evict(keep: string | null): Promise<void> {
    if (this.totalBytes <= this.quotaBytes) return;
    const victims: string[] = [];
    let projected = this.totalBytes;
    let cursor = await this.db.transaction('objects').store.index('byLastUsed').openCursor();
    while (cursor && projected > this.quotaBytes) {
      if (cursor.value.integrity !== keep) {
        victims.push(cursor.value.integrity);
        projected -= cursor.value.bytes;
      }
      cursor = await cursor.continue();
    }
    for (const integrity of victims) await this.deleteObject(integrity);
  }
}
