// Worker thread: hashes one file at a time (whole body + per-chunk SHA-256), reading with sync I/O into one
// reusable buffer. Plain JavaScript so it loads without the TypeScript loader in a worker.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

const READ_SIZE = 4 * 1024 * 1024;
let buffer = Buffer.allocUnsafe(READ_SIZE);

function sri(hash) {
  return 'sha256-' + hash.digest('base64');
}

function hashFile(path, chunkSize) {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const whole = createHash('sha256');
    const chunked = size > chunkSize;
    const chunks = [];
    // Read in multiples of the chunk size so every chunk lies inside one read.
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
      if (chunked) {
        for (let off = 0; off < filled; off += chunkSize) {
          chunks.push(sri(createHash('sha256').update(view.subarray(off, Math.min(filled, off + chunkSize)))));
        }
      }
      total += filled;
      if (filled < readSize) break;
    }
    if (total !== size) throw new Error(`file changed while hashing (${size} bytes at open, ${total} read)`);
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
