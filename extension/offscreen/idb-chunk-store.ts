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
  /** Chunks accepted but not yet written; `writes` is the chain of IndexedDB writes, one at a time. */
  private readonly pending = new Map<string, Uint8Array>();
  private writes: Promise<void> = Promise.resolve();

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
    // Through the write chain: eviction must not interleave with a write's accounting.
    this.writes = this.writes.then(() => this.evict(null)).catch(() => {});
    await this.writes;
  }

  async getChunk(integrity: string, index: number): Promise<Uint8Array | undefined> {
    const queued = this.pending.get(pendingKey(integrity, index));
    if (queued) return queued;
    const bytes = await this.db.get('chunks', [integrity, index]);
    if (bytes) void this.touch(integrity);
    return bytes;
  }

  /**
   * Records the chunk at once (readable through getChunk from this moment) and writes it to IndexedDB behind,
   * in order. The fetch engine marks a chunk as held, and tells peers, when this resolves: waiting for the disk
   * here would announce an object late, or not at all to links already open.
   */
  putChunk(integrity: string, index: number, bytes: Uint8Array, meta: ChunkMeta): Promise<void> {
    const key = pendingKey(integrity, index);
    // Copy: the caller's view may share a larger buffer, and a view into it would store the whole buffer.
    const copy = bytes.slice();
    this.pending.set(key, copy);
    this.writes = this.writes
      .then(() => this.putChunkNow(integrity, index, copy, meta))
      .catch(() => {}) // a failed write only means the chunk is not cached; it was verified and served already
      .finally(() => {
        if (this.pending.get(key) === copy) this.pending.delete(key);
      });
    return Promise.resolve();
  }

  /** Resolves when every chunk put so far is in IndexedDB. */
  async settled(): Promise<void> {
    await this.writes;
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
      await tx.objectStore('chunks').put(bytes, [integrity, index]);
    }
    rec.lastUsedMs = this.now();
    await objects.put(rec);
    await tx.done;
    await this.evict(integrity);
  }

  async holdings(): Promise<StoreHolding[]> {
    await this.settled();
    return (await this.db.getAll('objects')).map(({ integrity, chunkCount, have, site }) => ({ integrity, chunkCount, have, site }));
  }

  /** The whole object if every chunk is held (chunks concatenated in order), else undefined. */
  async getObject(integrity: string): Promise<{ bytes: Uint8Array; type: string } | undefined> {
    await this.settled();
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
    await this.settled();
    await this.deleteNow(integrity);
  }

  private async deleteNow(integrity: string): Promise<void> {
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
    for (const integrity of victims) await this.deleteNow(integrity);
  }
}

function pendingKey(integrity: string, index: number): string {
  return `${integrity} ${index}`;
}
