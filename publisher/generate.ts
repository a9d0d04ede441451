// `reef manifest <dir>`: walk a site, hash what changed, write /.well-known/reef.json (optionally signed).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import mime from 'mime';
// Specific modules, not the package index: signing (Ed25519) and the strict parser load only when signing,
// which keeps an unsigned regeneration's start-up short.
import { pathForFile } from '../shared/manifest/paths';
import { serializeManifest } from '../shared/manifest/serialize';
import { DEFAULT_CHUNK_SIZE, MANIFEST_LIMITS, MANIFEST_VERSION, type Manifest, type ManifestObject } from '../shared/manifest/types';
import { HashCache } from './hash-cache';
import { HashPool, type FileHash } from './hash-pool';
import { walkSite, type SiteFile } from './walk';

export interface GenerateOptions {
  dir: string;
  origin: string;
  output?: string;
  cachePath?: string;
  chunkSize?: number;
  include?: string[];
  exclude?: string[];
  /** base64 Ed25519 secret key; when set the manifest is signed. */
  secretKey?: string;
  nextKeys?: string[];
  expiresInMs?: number;
  onProgress?: (p: { filesDone: number; files: number; bytesDone: number; bytes: number }) => void;
  nowMs?: number;
}

export interface GenerateResult {
  manifest: Manifest;
  output: string;
  files: number;
  hashed: number;
  reused: number;
  bytesHashed: number;
}

/** Files modified this recently are not cached: a same-mtime rewrite could otherwise go unnoticed. */
const RACY_MTIME_WINDOW_MS = 2000;

export async function generateManifest(opts: GenerateOptions): Promise<GenerateResult> {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < MANIFEST_LIMITS.minChunkSize || chunkSize > MANIFEST_LIMITS.maxChunkSize)
    throw new Error(`chunk size must be an integer between ${MANIFEST_LIMITS.minChunkSize} and ${MANIFEST_LIMITS.maxChunkSize} bytes`);
  const origin = new URL(opts.origin).origin;
  const output = opts.output ?? join(opts.dir, '.well-known', 'reef.json');
  const cache = await HashCache.load(opts.cachePath ?? join(opts.dir, '.reef-cache.json'), chunkSize);
  const nowMs = opts.nowMs ?? Date.now();

  const pool = new HashPool(); // workers start while the tree is walked
  let files: SiteFile[];
  try {
    files = await walkSite(opts.dir, { include: opts.include ?? [], exclude: opts.exclude ?? [] });
  } catch (e) {
    await pool.close();
    throw e;
  }
  // Largest first, so the last file to finish is a small one and both cores stay busy to the end.
  files.sort((a, b) => b.size - a.size);
  const totalBytes = files.reduce((s, f) => s + f.size, 0);
  let filesDone = 0;
  let bytesDone = 0;
  let bytesHashed = 0;
  let reused = 0;
  const results: Array<[SiteFile, FileHash]> = [];
  try {
    await Promise.all(
      files.map(async (f) => {
        let h = cache.lookup(f);
        if (h) reused++;
        else {
          h = await pool.hash(f.absPath, chunkSize);
          bytesHashed += h.size;
        }
        results.push([f, h]);
        filesDone++;
        bytesDone += f.size;
        opts.onProgress?.({ filesDone, files: files.length, bytesDone, bytes: totalBytes });
      }),
    );
  } finally {
    await pool.close();
  }

  const objects: Record<string, ManifestObject> = {};
  for (const [f, h] of results) {
    const entry: ManifestObject = { size: h.size, type: mime.getType(f.relPath) ?? 'application/octet-stream', integrity: h.integrity };
    if (h.chunks) Object.assign(entry, { chunkSize, chunks: h.chunks });
    objects[pathForFile(f.relPath)] = entry; // pathForFile yields canonical paths only
  }

  let manifest: Manifest = { version: MANIFEST_VERSION, origin, objects };
  if (opts.secretKey) {
    const previous = await previousSerial(output);
    manifest.serial = Math.max(Math.floor(nowMs / 1000), previous + 1);
    manifest.issued = new Date(nowMs).toISOString().replace(/\.\d+Z$/, 'Z');
    manifest.expires = new Date(nowMs + (opts.expiresInMs ?? 30 * 24 * 3600_000)).toISOString().replace(/\.\d+Z$/, 'Z');
    if (opts.nextKeys?.length) manifest.nextKeys = opts.nextKeys;
    const { signManifest } = await import('../shared/manifest/signature');
    manifest = signManifest(manifest, { secretKey: opts.secretKey });
  }
  const text = serializeManifest(manifest);
  await mkdir(dirname(output), { recursive: true });
  const tmp = `${output}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, output);
  await cache.save(results.filter(([f]) => f.mtimeMs < nowMs - RACY_MTIME_WINDOW_MS));
  return { manifest, output, files: files.length, hashed: files.length - reused, reused, bytesHashed };
}

async function previousSerial(path: string): Promise<number> {
  const { parseManifest } = await import('../shared/manifest/parse');
  try {
    return parseManifest(await readFile(path)).serial ?? 0;
  } catch {
    return 0;
  }
}
