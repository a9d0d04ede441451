// Where verified chunks live. Only chunks that passed verification against the manifest go in, so
// anything a store returns may be served to peers as-is (the requester verifies again anyway).
// Implementations: MemoryChunkStore (here; tests, benches), DirChunkStore (peer/, `reef peer`),
// the extension's IndexedDB store.

export interface ChunkMeta {
  /** Object size in bytes. */
  size: number;
  chunkCount: number;
  /** Content type from the manifest. */
  type: string;
  /** The origin the object was published by (for "never serve this site"). */
  site: string;
}

export interface StoreHolding {
  integrity: string;
  chunkCount: number;
  /** Indices of the chunks held. */
  have: number[];
  site: string;
}

export interface ChunkStore {
  getChunk(integrity: string, index: number): Promise<Uint8Array | undefined>;
  putChunk(integrity: string, index: number, bytes: Uint8Array, meta: ChunkMeta): Promise<void>;
  holdings(): Promise<StoreHolding[]>;
}

/** A real in-memory store (no persistence), for tests, benches and short-lived peers. */
export class MemoryChunkStore implements ChunkStore {
  private readonly objects = new Map<string, { meta: ChunkMeta; chunks: Map<number, Uint8Array> }>();

  async getChunk(integrity: string, index: number): Promise<Uint8Array | undefined> {
    return this.objects.get(integrity)?.chunks.get(index);
  }

  async putChunk(integrity: string, index: number, bytes: Uint8Array, meta: ChunkMeta): Promise<void> {
    let o = this.objects.get(integrity);
    if (!o) this.objects.set(integrity, (o = { meta, chunks: new Map() }));
    o.chunks.set(index, bytes);
  }

  async holdings(): Promise<StoreHolding[]> {
    return [...this.objects].map(([integrity, o]) => ({
      integrity,
      chunkCount: o.meta.chunkCount,
      have: [...o.chunks.keys()].sort((a, b) => a - b),
      site: o.meta.site,
    }));
  }

  /** Bytes held (tests use it to check what a peer kept). */
  get bytesHeld(): number {
    let n = 0;
    for (const o of this.objects.values()) for (const c of o.chunks.values()) n += c.length;
    return n;
  }
}
