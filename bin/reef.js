#!/usr/bin/env -S node --max-semi-space-size=128 --min-semi-space-size=128 --v8-pool-size=1
// The flags are for `reef seed` and `reef tracker`, request-heavy servers. V8 reads them only at startup
// (v8.setFlagsFromString later leaves the young generation as it was), and NODE_OPTIONS refuses the first two,
// hence the shebang; the proxy and tracker benches read them from here.
// - A fixed 128 MB young generation: V8 otherwise keeps it small, as nearly every request's garbage dies young.
//   64 MB cut scavenges ~16-fold and CPU per proxy cache hit ~3% (bench/results/proxy.md). 128 MB: a
//   connection's state lives from one message to its next (10,000 tracker clients at 20,000 messages/s: ~0.5 s),
//   and with scavenges every ~0.4 s much of it was promoted and died old, so a full GC came every 7-10 s; every
//   ~0.8 s, 5x less is promoted and full GCs are ~5x rarer. Costs ~90 MB of RSS (tracker bench: 418 MB warm).
// - --v8-pool-size=1: one V8 helper thread, not Node's four. The event loop is the server's only JS thread, and
//   four helpers marking concurrently for a full GC took both cores of a 2-core machine from it: the tracker
//   bench's loop stalled 100-400 ms per full GC (p99 70-150 ms at 20,000 round trips/s); with one, 13-39 ms.
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
