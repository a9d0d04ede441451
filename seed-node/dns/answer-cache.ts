// Encoded replies by normalized question and resolver locality, as authoritative servers keep them:
// a hit costs a copy and three patches instead of decode, answer selection and encode. An entry dies
// when the directory's version moves (a seed came or went) or after maxAgeMs, and holds a few replies
// answered independently, handed out in turn, so load still spreads across the proxies.
import type { ReusableReply } from './fit';
import type { QueryHead } from './query';

export interface AnswerCacheOptions {
  maxEntries: number;
  maxAgeMs: number;
  /** Independently answered replies kept per key before hits start. */
  rotations: number;
}

interface Entry {
  version: number;
  expiresMs: number;
  replies: ReusableReply[];
  next: number;
}

export class AnswerCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly opts: AnswerCacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /** The next reply to reuse, or undefined: answer afresh and add() the result. */
  get(key: string, version: number, nowMs: number): ReusableReply | undefined {
    const e = this.entries.get(key);
    if (e === undefined || e.version !== version || e.expiresMs <= nowMs || e.replies.length < this.opts.rotations) return undefined;
    const r = e.replies[e.next];
    e.next = e.next + 1 === e.replies.length ? 0 : e.next + 1;
    return r;
  }

  add(key: string, version: number, nowMs: number, reply: ReusableReply): void {
    let e = this.entries.get(key);
    if (e !== undefined && (e.version !== version || e.expiresMs <= nowMs)) {
      this.entries.delete(key);
      e = undefined;
    }
    if (e === undefined) {
      // Bounded: the oldest entry goes first, so a flood of distinct names costs one table's worth.
      if (this.entries.size >= this.opts.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      e = { version, expiresMs: nowMs + this.opts.maxAgeMs, replies: [], next: 0 };
      this.entries.set(key, e);
    }
    if (e.replies.length < this.opts.rotations) e.replies.push(reply);
  }
}

/**
 * The cache key of a plain query (see QueryHead.plain) from a resolver in `locality`: everything the
 * reply depends on but the id, the RD bit and the question's letter case — the ASCII-lowercased name,
 * type and class bytes, and whether (and with which DO bit) the query carried EDNS.
 */
export function answerKey(q: QueryHead, locality: string): string {
  const nameEnd = q.question.length - 4;
  const edns = q.edns === undefined ? '0' : q.edns.dnssecOk ? '2' : '1';
  // latin1 of an ASCII name: toLowerCase() touches only A–Z (label lengths are < 64, so never letters).
  return `${locality}\u0000${edns}${q.question.toString('latin1', 0, nameEnd).toLowerCase()}${q.question.toString('latin1', nameEnd)}`;
}
