// A pool of hashing worker threads: both cores hash files at OpenSSL speed while the main thread schedules.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { HASH_WORKER_SOURCE } from './hash-worker';

export interface FileHash {
  size: number;
  integrity: string;
  chunks?: string[];
}

interface Job {
  id: number;
  path: string;
  chunkSize: number;
  resolve: (h: FileHash) => void;
  reject: (e: Error) => void;
}

/** Jobs queued at each worker: the next file is already waiting when one finishes (no idle round trip). */
const DEPTH = 2;

export class HashPool {
  private readonly workers: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<number, Job>();
  private readonly load = new Map<Worker, number>();
  private nextId = 0;

  constructor(size = availableParallelism()) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const w = new Worker(HASH_WORKER_SOURCE, { eval: true });
      w.on('message', (msg: { id: number; ok: boolean; result?: FileHash; error?: string }) => {
        const job = this.running.get(msg.id);
        this.running.delete(msg.id);
        this.load.set(w, this.load.get(w)! - 1);
        if (job) {
          if (msg.ok) job.resolve(msg.result!);
          else job.reject(new Error(msg.error));
        }
        this.pump();
      });
      w.on('error', (err) => {
        for (const job of this.running.values()) job.reject(err);
        this.running.clear();
      });
      this.workers.push(w);
      this.load.set(w, 0);
    }
  }

  hash(path: string, chunkSize: number): Promise<FileHash> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, path, chunkSize, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (let progress = true; progress && this.queue.length > 0; ) {
      progress = false;
      for (const w of this.workers) {
        if (this.queue.length === 0 || this.load.get(w)! >= DEPTH) continue;
        const job = this.queue.shift()!;
        this.running.set(job.id, job);
        this.load.set(w, this.load.get(w)! + 1);
        w.postMessage({ id: job.id, path: job.path, chunkSize: job.chunkSize });
        progress = true;
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
