// Builds the extension (both targets) with the project's vite config, unless dist/ is newer than every source
// file it is made from. Used by the vitest globalSetup so `npm test` works on a fresh clone.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { EXTENSION_MODES, outDirFor } from '../../../extension/build/vite-config';

const REPO = resolve(import.meta.dirname, '../../..');
const SOURCES = ['extension', 'shared', 'package.json', 'vite.config.ts'];
const STAMP = join(outDirFor('chromium'), '.source-mtime');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

export async function buildExtensionIfStale(): Promise<{ built: boolean; ms: number }> {
  const started = performance.now();
  const sourceMtime = Math.max(...SOURCES.map((s) => newestMtime(join(REPO, s))));
  const fresh =
    existsSync(STAMP) && existsSync(join(outDirFor('firefox'), 'manifest.json')) && Number(readFileSync(STAMP, 'utf8')) >= sourceMtime;
  if (fresh) return { built: false, ms: performance.now() - started };
  process.env.VITE_CONFIG_NATIVE_IGNORE_WARNING = 'true';
  for (const mode of EXTENSION_MODES) await build({ configFile: join(REPO, 'vite.config.ts'), mode, logLevel: 'warn' });
  writeFileSync(STAMP, String(sourceMtime));
  return { built: true, ms: performance.now() - started };
}

export const CHROMIUM_EXTENSION_DIR = outDirFor('chromium');
export const FIREFOX_EXTENSION_DIR = outDirFor('firefox');
