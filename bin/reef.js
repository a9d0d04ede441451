#!/usr/bin/env -S node --max-semi-space-size=64 --min-semi-space-size=64
// The flags are for `reef seed`, a request-heavy server: a fixed 64 MB young generation cuts scavenges ~16-fold
// under load (V8 otherwise keeps it small, as nearly every request's garbage dies young), for ~3% less CPU per
// proxy cache hit (bench/results/proxy.md). V8 reads them only at startup (v8.setFlagsFromString later leaves the
// young generation as it was), and NODE_OPTIONS refuses them, hence the shebang; bench/proxy.ts reads them from here.
// Runs the compiled CLI (dist/cli, from `npm run build:cli`) when it is newer than every source file;
// otherwise compiles the TypeScript on load with tsx, so edits take effect without a rebuild.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_DIRS = ['cli', 'shared', 'publisher', 'tracker', 'seed-node', 'peer', 'extension'];

function newestSource() {
  let newest = statSync(`${root}package.json`).mtimeMs;
  for (const dir of SOURCE_DIRS) {
    let entries;
    try {
      entries = readdirSync(`${root}${dir}`, { recursive: true, withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isFile() && /\.(ts|js|mjs)$/.test(e.name)) newest = Math.max(newest, statSync(`${e.parentPath}/${e.name}`).mtimeMs);
    }
  }
  return newest;
}

function compiledIsFresh() {
  try {
    return statSync(`${root}dist/cli/main.js`).mtimeMs >= newestSource();
  } catch {
    return false;
  }
}

let main;
if (process.env.REEF_FROM_SOURCE !== '1' && compiledIsFresh()) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
