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

export class HashPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private nextId = 0;

  constructor(size = availableParallelism()) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const w = new Worker(HASH_WORKER_SOURCE, { eval: true });
      w.on('message', (msg: { id: number; ok: boolean; result?: FileHash; error?: string }) => {
        const job = this.running.get(w);
        this.running.delete(w);
        this.idle.push(w);
        if (job) {
          if (msg.ok) job.resolve(msg.result!);
          else job.reject(new Error(msg.error));
        }
        this.pump();
      });
      w.on('error', (err) => {
        const job = this.running.get(w);
        this.running.delete(w);
        job?.reject(err);
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  hash(path: string, chunkSize: number): Promise<FileHash> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, path, chunkSize, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.running.set(w, job);
      w.postMessage({ id: job.id, path: job.path, chunkSize: job.chunkSize });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
