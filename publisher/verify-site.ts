// `reef manifest verify <dir|url>`: re-check a site tree or a live site against its manifest.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkSignature,
  chunkCount,
  chunkIntegrity,
  chunkRange,
  MANIFEST_WELL_KNOWN_PATH,
  matchesIntegrity,
  parseManifest,
  pathForFile,
  type Manifest,
  type ManifestObject,
} from '../shared/manifest';
import { HashPool } from './hash-pool';
import { walkSite } from './walk';

export interface Mismatch {
  path: string;
  problem: 'missing' | 'size' | 'integrity' | 'chunk' | 'fetch';
  detail: string;
}

export interface VerifyReport {
  manifest: Manifest;
  signed: boolean;
  checked: number;
  mismatches: Mismatch[];
  /** Files in the tree that the manifest does not list (not errors: they are simply never served by Reef). */
  unlisted: string[];
}

export async function verifyTree(dir: string, manifestPath = join(dir, '.well-known', 'reef.json')): Promise<VerifyReport> {
  const manifest = parseManifest(await readFile(manifestPath));
  if (manifest.signature) checkSignature(manifest);
  const pool = new HashPool();
  const mismatches: Mismatch[] = [];
  const byPath = new Map((await walkSite(dir, { include: ['**'], exclude: [] })).map((f) => [pathForFile(f.relPath), f]));
  try {
    await Promise.all(
      Object.entries(manifest.objects).map(async ([path, entry]) => {
        const file = byPath.get(path);
        byPath.delete(path);
        if (!file) {
          const exists = await stat(join(dir, fileNameOf(path))).catch(() => null);
          if (!exists) return void mismatches.push({ path, problem: 'missing', detail: 'listed in the manifest but not in the tree' });
        }
        const absPath = file?.absPath ?? join(dir, fileNameOf(path));
        const h = await pool.hash(absPath, entry.chunkSize ?? Math.max(entry.size, 1));
        if (h.size !== entry.size) return void mismatches.push({ path, problem: 'size', detail: `manifest says ${entry.size} bytes, file has ${h.size}` });
        if (h.integrity !== entry.integrity) {
          const bad = (h.chunks ?? []).flatMap((c, i) => (entry.chunks && c !== entry.chunks[i] ? [i] : []));
          const chunkNote = bad.length ? `; chunk(s) ${bad.slice(0, 10).join(', ')}${bad.length > 10 ? ', ...' : ''} differ` : '';
          mismatches.push({ path, problem: 'integrity', detail: `content hash ${h.integrity} != ${entry.integrity}${chunkNote}` });
        } else if (entry.chunks && h.chunks && h.chunks.some((c, i) => c !== entry.chunks![i])) {
          mismatches.push({ path, problem: 'chunk', detail: 'whole-object hash matches but a chunk hash does not' });
        }
      }),
    );
  } finally {
    await pool.close();
  }
  return finish(manifest, mismatches, [...byPath.keys()].sort());
}

export async function verifyUrl(siteUrl: string, opts: { concurrency?: number; fetchImpl?: typeof fetch } = {}): Promise<VerifyReport> {
  const doFetch = opts.fetchImpl ?? fetch;
  const origin = new URL(siteUrl).origin;
  const res = await doFetch(origin + MANIFEST_WELL_KNOWN_PATH, { credentials: 'omit', redirect: 'error' });
  if (!res.ok) throw new Error(`GET ${origin}${MANIFEST_WELL_KNOWN_PATH}: HTTP ${res.status}`);
  const manifest = parseManifest(new Uint8Array(await res.arrayBuffer()));
  if (manifest.origin !== origin) throw new Error(`the manifest is for ${manifest.origin}, not ${origin}`);
  if (manifest.signature) checkSignature(manifest);
  const mismatches: Mismatch[] = [];
  const queue = Object.entries(manifest.objects);
  const worker = async () => {
    for (let next = queue.pop(); next; next = queue.pop()) {
      const [path, entry] = next;
      const problem = await checkRemoteObject(doFetch, origin + path, entry).catch((e: Error) => ({ problem: 'fetch' as const, detail: e.message }));
      if (problem) mismatches.push({ path, ...problem });
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
  return finish(manifest, mismatches, []);
}

async function checkRemoteObject(doFetch: typeof fetch, url: string, entry: ManifestObject): Promise<Omit<Mismatch, 'path'> | null> {
  const res = await doFetch(url, { credentials: 'omit', redirect: 'error' });
  if (!res.ok) return { problem: 'fetch', detail: `HTTP ${res.status}` };
  const body = new Uint8Array(await res.arrayBuffer());
  if (body.byteLength !== entry.size) return { problem: 'size', detail: `manifest says ${entry.size} bytes, served ${body.byteLength}` };
  if (!(await matchesIntegrity(body, entry.integrity))) {
    const bad: number[] = [];
    for (let i = 0; i < chunkCount(entry) && entry.chunks; i++) {
      const { start, end } = chunkRange(entry, i);
      if (!(await matchesIntegrity(body.subarray(start, end), chunkIntegrity(entry, i)))) bad.push(i);
    }
    return { problem: 'integrity', detail: `served bytes do not match ${entry.integrity}${bad.length ? `; chunk(s) ${bad.slice(0, 10).join(', ')} differ` : ''}` };
  }
  return null;
}

function finish(manifest: Manifest, mismatches: Mismatch[], unlisted: string[]): VerifyReport {
  mismatches.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { manifest, signed: !!manifest.signature, checked: Object.keys(manifest.objects).length, mismatches, unlisted };
}

function fileNameOf(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // not UTF-8 once decoded: no file can have that name, so it reports as missing
  }
}
