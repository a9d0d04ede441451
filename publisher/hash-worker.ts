/**
 * Source of a hashing worker thread, run with `new Worker(HASH_WORKER_SOURCE, { eval: true })`. It is plain
 * JavaScript text on purpose: no file path to resolve (works from source and from the compiled CLI alike) and
 * no transpiler helpers leaking in. It hashes one file at a time, whole body and per-chunk SHA-256, with sync
 * reads into one reusable buffer.
 */
export const HASH_WORKER_SOURCE = String.raw`
const { createHash } = require('node:crypto');
const { closeSync, fstatSync, openSync, readSync } = require('node:fs');
const { parentPort } = require('node:worker_threads');
const READ_SIZE = 4 * 1024 * 1024;
const SLICE = 128 * 1024;
let buffer = Buffer.allocUnsafe(READ_SIZE);
const sri = (hash) => 'sha256-' + hash.digest('base64');

function hashFile(path, chunkSize) {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const whole = createHash('sha256');
    const chunked = size > chunkSize;
    const chunks = [];
    const readSize = READ_SIZE; // slices end at chunk boundaries, whatever the chunk size
    let total = 0;
    let chunk = createHash('sha256');
    let chunkFill = 0;
    for (;;) {
      let filled = 0;
      while (filled < readSize) {
        const n = readSync(fd, buffer, filled, readSize - filled, null);
        if (n === 0) break;
        filled += n;
      }
      if (filled === 0) break;
      // Both hashes take each slice while it is still in the CPU cache: one pass over memory, not two.
      for (let off = 0; off < filled; ) {
        const end = Math.min(filled, off + SLICE, chunked ? off + chunkSize - chunkFill : filled);
        const slice = buffer.subarray(off, end);
        whole.update(slice);
        off = end;
        if (!chunked) continue;
        chunk.update(slice);
        chunkFill += slice.length;
        if (chunkFill === chunkSize) {
          chunks.push(sri(chunk));
          chunk = createHash('sha256');
          chunkFill = 0;
        }
      }
      total += filled;
      if (filled < readSize) break;
    }
    if (chunked && chunkFill > 0) chunks.push(sri(chunk));
    if (total !== size) throw new Error('file changed while hashing (' + size + ' bytes at open, ' + total + ' read)');
    return { size, integrity: sri(whole), chunks: chunked ? chunks : undefined };
  } finally {
    closeSync(fd);
  }
}

parentPort.on('message', ({ id, path, chunkSize }) => {
  try {
    parentPort.postMessage({ id, ok: true, result: hashFile(path, chunkSize) });
  } catch (err) {
    parentPort.postMessage({ id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
`;
