// Node only. Keeps one process.nextTick queue entry alive for the life of the process, so that a seed or
// tracker which sat idle once does not serve every later request slower.
//
// Node 20's nextTick builds each queue entry as `{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback,
// args }`. V8 records, for each computed key of that literal, the hidden class (map) it saw, and holds that map only
// weakly. A full GC while no entry is alive — V8's memory reducer runs one a few seconds into any idle spell — frees
// the maps; the next nextTick finds its recorded map gone, and V8 then marks the site megamorphic for good. From then
// on every nextTick (several per HTTP request) defines those two keys through the V8 runtime: 4 KiB cache hits cost
// 30-36 µs of CPU instead of 24-28 (bench/results/proxy.md), a tracker round trip at the full index 43-49 instead
// of 33-39 (bench/results/tracker-load.md). A live entry keeps its map, and through the map's back
// pointers the one before it, alive, so the recorded maps stay valid across idle GCs.
import { executionAsyncResource } from 'node:async_hooks';

let held: object | undefined;
let scheduled = false;

/** Call at startup, before the process first sits idle (a map already freed cannot be brought back); later calls do nothing. */
export function holdTickObjectShape(): void {
  if (scheduled) return;
  scheduled = true;
  // Inside a nextTick callback the execution resource is that tick's queue entry.
  process.nextTick(() => {
    held = executionAsyncResource();
  });
}

/** The entry held, once the tick has run (for tests). */
export function heldTickObject(): object | undefined {
  return held;
}
