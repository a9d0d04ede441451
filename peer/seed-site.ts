// Seeding a site from its directory: read <dir>/.well-known/reef.json, verify every listed file
// against it, and hand the verified chunks to the engine (which stores and announces them).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_WELL_KNOWN_PATH, parseManifest, type Manifest } from '../shared/manifest';
import type { FetchEngine } from '../shared/fetch/engine';

export interface SeedReport {
  origin: string;
  objects: number;
  seeded: number;
  /** Files missing or whose bytes do not match the manifest: never served. */
  problems: { path: string; problem: 'missing' | 'mismatch' }[];
  bytes: number;
}

export async function readSiteManifest(dir: string): Promise<Manifest> {
  return parseManifest(await readFile(join(dir, MANIFEST_WELL_KNOWN_PATH)));
}

/** Maps a manifest path to the file under `dir` (paths are percent-encoded URL paths). */
export function fileForPath(dir: string, path: string): string {
  return join(dir, ...path.split('/').filter(Boolean).map(decodeURIComponent));
}

export async function seedSite(engine: FetchEngine, dir: string, manifest?: Manifest): Promise<SeedReport> {
  const m = manifest ?? (await readSiteManifest(dir));
  const report: SeedReport = { origin: m.origin, objects: 0, seeded: 0, problems: [], bytes: 0 };
  for (const [path, entry] of Object.entries(m.objects)) {
    report.objects++;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(fileForPath(dir, path));
    } catch {
      report.problems.push({ path, problem: 'missing' });
      continue;
    }
    const r = await engine.addObject(m.origin, entry, bytes);
    if (r.bad > 0) report.problems.push({ path, problem: 'mismatch' });
    if (r.stored > 0 && r.bad === 0) {
      report.seeded++;
      report.bytes += entry.size;
    }
  }
  return report;
}
