// The on-disk object store: cacache (content-addressed, atomic tmp-then-rename writes, integrity-checked by
// `verify` at start) plus an in-memory LRU index of what it holds, bounded by `maxBytes`.
// Small objects are also kept in memory, so a hot 4 KiB object is served without touching the disk.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import cacache from 'cacache';
import type { Clock } from '../../shared/clock';
import type { HeaderRecord } from './cache-policy';
import { variantSuffix } from './cache-policy';
import type { IncomingHttpHeaders } from 'node:http';
import type { ProxyLogger } from './log';

/** What is persisted with each object (cacache metadata). */
export interface ObjectMeta {
  url: string;
  vary: string[];
  headers: HeaderRecord;
  /** Clock time the response was received or last revalidated. */
  storedAt: number;
  /** Age it already had then (Age header from an upstream cache or peer). */
  initialAgeMs: number;
  freshUntil: number;
}

export interface StoredObject extends ObjectMeta {
  key: string;
  size: number;
  integrity: string;
  path: string;
  /** When a lookup last moved it to the recent end of the LRU order (not persisted). */
  movedAt?: number;
}

export interface StoreOptions {
  dir: string;
  maxBytes: number;
  memoryObjectMaxBytes: number;
  memoryCacheBytes: number;
  clock: Clock;
  log: ProxyLogger;
  onEvict: (obj: StoredObject) => void;
}

const LRU_MOVE_EVERY_MS = 1000;

export class ObjectStore {
  private readonly objects = new Map<string, StoredObject>(); // LRU order: least recently used first
  private readonly varyByUrl = new Map<string, string[]>();
  private readonly refs = new Map<string, number>(); // integrity -> entries using it (content is deduplicated)
  /** The hot set: bodies of small objects, bounded in bytes; `used` gives an entry a second chance at eviction. */
  private readonly memory = new Map<string, { body: Buffer; used: boolean }>();
  private memoryBytes = 0;
  private used = 0;
  private pending: Promise<unknown> = Promise.resolve();

  private constructor(private readonly o: StoreOptions) {}

  /** Opens (creating if needed) the store, first letting cacache drop corrupt or unreferenced content. */
  static async open(o: StoreOptions): Promise<ObjectStore> {
    const s = new ObjectStore(o);
    const stats = await cacache.verify(o.dir);
    const entries = Object.values(await cacache.ls(o.dir)).sort((a, b) => a.time - b.time);
    for (const e of entries) {
      const m = e.metadata as ObjectMeta | undefined;
      if (!m || typeof m.url !== 'string' || typeof m.freshUntil !== 'number' || !m.headers) continue;
      s.insert({ ...m, key: e.key, size: e.size, integrity: e.integrity, path: e.path });
    }
    o.log.info({ objects: s.objects.size, bytes: s.used, badContent: (stats as { badContentCount?: number }).badContentCount ?? 0 }, 'proxy cache opened');
    s.evict();
    return s;
  }

  get usedBytes(): number {
    return this.used;
  }

  get count(): number {
    return this.objects.size;
  }

  keyFor(url: string, req: IncomingHttpHeaders): string {
    return url + variantSuffix(this.varyByUrl.get(url) ?? [], req);
  }

  /** The stored variant for this request, marked most recently used (to within a second: a hot object moves to
   * the recent end of the LRU order once a second, not on every hit). `now` saves a clock read when the caller has one. */
  lookup(url: string, req: IncomingHttpHeaders, now = this.o.clock.now()): StoredObject | undefined {
    const key = this.keyFor(url, req);
    const obj = this.objects.get(key);
    if (obj) {
      if (obj.movedAt === undefined || now - obj.movedAt >= LRU_MOVE_EVERY_MS) {
        obj.movedAt = now;
        this.objects.delete(key);
        this.objects.set(key, obj);
      }
    }
    return obj;
  }

  async put(key: string, meta: ObjectMeta, body: Buffer): Promise<StoredObject | null> {
    if (body.length > this.o.maxBytes) return null;
    const integrity = await cacache.put(this.o.dir, key, body, { metadata: meta, algorithms: ['sha256'] });
    const info = await cacache.get.info(this.o.dir, key);
    if (!info) return null;
    const old = this.objects.get(key);
    if (old) this.drop(old, false);
    const obj: StoredObject = { ...meta, key, size: body.length, integrity: String(integrity), path: info.path };
    this.insert(obj);
    this.remember(key, body);
    this.evict();
    return obj;
  }

  /** After a 304: same body, new headers and freshness. */
  async refresh(obj: StoredObject, meta: ObjectMeta): Promise<StoredObject> {
    Object.assign(obj, meta);
    await cacache.index.insert(this.o.dir, obj.key, obj.integrity, { metadata: meta, size: obj.size });
    return obj;
  }

  /** The whole body if it is in memory (loading small objects into memory on the way). */
  memoryBody(obj: StoredObject): Buffer | undefined {
    const m = this.memory.get(obj.key);
    if (m) {
      m.used = true;
      return m.body;
    }
    if (obj.size <= this.o.memoryObjectMaxBytes) {
      readFile(obj.path).then(
        (buf) => this.objects.get(obj.key) === obj && buf.length === obj.size && this.remember(obj.key, buf),
        () => {},
      );
    }
    return undefined;
  }

  /** Bytes [start, end] (inclusive) from disk. */
  stream(obj: StoredObject, start: number, end: number): Readable {
    return createReadStream(obj.path, { start, end, highWaterMark: 256 * 1024 });
  }

  /** Waits for background removals (tests and shutdown). */
  async settle(): Promise<void> {
    await this.pending;
  }

  private insert(obj: StoredObject): void {
    this.objects.set(obj.key, obj);
    this.varyByUrl.set(obj.url, obj.vary);
    this.refs.set(obj.integrity, (this.refs.get(obj.integrity) ?? 0) + 1);
    this.used += obj.size;
  }

  private remember(key: string, body: Buffer): void {
    if (body.length > this.o.memoryObjectMaxBytes || this.memory.has(key)) return;
    this.memory.set(key, { body, used: false });
    this.memoryBytes += body.length;
    // Oldest first; an entry used since it was last looked at moves to the back instead (CLOCK, ~LRU).
    for (const [k, m] of this.memory) {
      if (this.memoryBytes <= this.o.memoryCacheBytes) break;
      this.memory.delete(k);
      if (m.used && k !== key) {
        m.used = false;
        this.memory.set(k, m);
      } else this.memoryBytes -= m.body.length;
    }
  }

  private evict(): void {
    for (const obj of this.objects.values()) {
      if (this.used <= this.o.maxBytes) break;
      this.drop(obj, true);
      this.o.onEvict(obj);
    }
  }

  /** Forgets an object; with `fromDisk`, removes its index entry and (if unshared) its content. */
  private drop(obj: StoredObject, fromDisk: boolean): void {
    this.objects.delete(obj.key);
    this.used -= obj.size;
    const mem = this.memory.get(obj.key);
    if (mem) {
      this.memory.delete(obj.key);
      this.memoryBytes -= mem.body.length;
    }
    const refs = (this.refs.get(obj.integrity) ?? 1) - 1;
    if (refs > 0) this.refs.set(obj.integrity, refs);
    else this.refs.delete(obj.integrity);
    if (!fromDisk) return;
    const dir = this.o.dir;
    this.pending = this.pending
      .then(async () => {
        await (cacache.rm.entry as (c: string, k: string, o: object) => Promise<unknown>)(dir, obj.key, { removeFully: true });
        if (!this.refs.has(obj.integrity)) await cacache.rm.content(dir, obj.integrity);
      })
      .catch((err: Error) => this.o.log.warn({ err: err.message, key: obj.key }, 'proxy cache removal failed'));
  }
}
