// A ChunkStore in a directory, for `reef peer`: one folder per object (named by the hex SHA-256 of
// its integrity digest, never by URL), one file per chunk, and meta.json. Chunk files are written
// to a temporary name and renamed, so a crash never leaves a half chunk under a real name.
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { base64, hex } from '@scure/base';
import type { ChunkMeta, ChunkStore, StoreHolding } from '../shared/fetch/chunk-store';

interface ObjectMeta extends ChunkMeta {
  integrity: string;
}

export class DirChunkStore implements ChunkStore {
  private readonly metaWritten = new Set<string>();

  constructor(readonly dir: string) {}

  private objectDir(integrity: string): string {
    if (!/^sha256-[A-Za-z0-9+/]{43}=$/.test(integrity)) throw new Error(`not a sha256 integrity: ${integrity}`);
    return join(this.dir, 'objects', hex.encode(base64.decode(integrity.slice(7))));
  }

  async getChunk(integrity: string, index: number): Promise<Uint8Array | undefined> {
    if (!Number.isInteger(index) || index < 0) return undefined;
    try {
      const b = await readFile(join(this.objectDir(integrity), `${index}.chunk`));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch {
      return undefined;
    }
  }

  async putChunk(integrity: string, index: number, bytes: Uint8Array, meta: ChunkMeta): Promise<void> {
    const dir = this.objectDir(integrity);
    if (!this.metaWritten.has(integrity)) {
      await mkdir(dir, { recursive: true });
      const m: ObjectMeta = { integrity, ...meta };
      await writeFile(join(dir, 'meta.json'), JSON.stringify(m));
      this.metaWritten.add(integrity);
    }
    const tmp = join(dir, `${index}.chunk.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
    await writeFile(tmp, bytes);
    await rename(tmp, join(dir, `${index}.chunk`));
  }

  async holdings(): Promise<StoreHolding[]> {
    const root = join(this.dir, 'objects');
    const names = await readdir(root).catch(() => [] as string[]);
    const out: StoreHolding[] = [];
    for (const name of names) {
      try {
        const meta = JSON.parse(await readFile(join(root, name, 'meta.json'), 'utf8')) as ObjectMeta;
        const have = (await readdir(join(root, name)))
          .map((f) => /^(\d+)\.chunk$/.exec(f)?.[1])
          .filter((x): x is string => x !== undefined)
          .map(Number)
          .filter((i) => i < meta.chunkCount)
          .sort((a, b) => a - b);
        this.metaWritten.add(meta.integrity);
        out.push({ integrity: meta.integrity, chunkCount: meta.chunkCount, have, site: meta.site });
      } catch {
        // not an object folder (or a damaged one): skip it
      }
    }
    return out;
  }
}
