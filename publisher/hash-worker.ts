/**
 * Source of a hashing worker thread, run with `new Worker(HASH_WORKER_SOURCE, { eval: true })`. It is plain
 * JavaScript text on purpose: no file path to resolve (works from source and from the compiled CLI alike) and
 * no transpiler helpers leaking in. It hashes one file at a time, whole body and per-chunk SHA-256, with sync
 * reads into one reusable buffer (reads are whole multiples of the chunk size, so a chunk never straddles two).
 */
export const HASH_WORKER_SOURCE = String.raw`
const { createHash } = require('node:crypto');
const { closeSync, fstatSync, openSync, readSync } = require('node:fs');
const { parentPort } = require('node:worker_threads');
const READ_SIZE = 4 * 1024 * 1024;
let buffer = Buffer.allocUnsafe(READ_SIZE);
const sri = (hash) => 'sha256-' + hash.digest('base64');

function hashFile(path, chunkSize) {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const whole = createHash('sha256');
    const chunked = size > chunkSize;
    const chunks = [];
    const readSize = Math.max(chunkSize, Math.floor(READ_SIZE / chunkSize) * chunkSize);
    if (buffer.length < readSize) buffer = Buffer.allocUnsafe(readSize);
    let total = 0;
    for (;;) {
      let filled = 0;
      while (filled < readSize) {
        const n = readSync(fd, buffer, filled, readSize - filled, null);
        if (n === 0) break;
        filled += n;
      }
      if (filled === 0) break;
      const view = buffer.subarray(0, filled);
      whole.update(view);
      if (chunked)
        for (let off = 0; off < filled; off += chunkSize)
          chunks.push(sri(createHash('sha256').update(view.subarray(off, Math.min(filled, off + chunkSize)))));
      total += filled;
      if (filled < readSize) break;
    }
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
