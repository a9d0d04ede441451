// Encoding an Answer into at most `budgetBytes`: the full reply, else a minimal one (answers only,
// or the SOA of a negative answer), else an empty TC=1 reply that sends the client to TCP.
import type { Answer } from './answer';
import type { QueryHead } from './query';
import type { Rcode } from './wire';
import { WireWriter } from './wire';

export interface Encoded {
  bytes: Buffer;
  truncated: boolean;
  minimized: boolean;
}

/** A reply kept by the answer cache: both sizes encoded once, patched per query by reuseReply(). */
export interface ReusableReply {
  full: Buffer;
  /** Without authority/additional records; null when the full reply has none to drop. */
  minimal: Buffer | null;
  rcode: Rcode;
  aa: boolean;
}

type Query = QueryHead & { name?: string };
const FULL = 0;
const MINIMAL = 1;
const TRUNCATED = 2;

export function encodeAnswer(w: WireWriter, q: Query, a: Answer, budgetBytes: number, ednsPayloadBytes: number): Encoded {
  for (let level = FULL; level < TRUNCATED; level++) {
    writeLevel(w, q, a, level, ednsPayloadBytes);
    if (w.length <= budgetBytes) return { bytes: w.finish(), truncated: false, minimized: level > FULL };
  }
  return { bytes: encodeLevel(w, q, a, TRUNCATED, ednsPayloadBytes), truncated: true, minimized: true };
}

export function encodeReusable(w: WireWriter, q: Query, a: Answer, ednsPayloadBytes: number): ReusableReply {
  const droppable = a.additionals.length > 0 || (!a.negative && a.authorities.length > 0);
  return {
    full: encodeLevel(w, q, a, FULL, ednsPayloadBytes),
    minimal: droppable ? encodeLevel(w, q, a, MINIMAL, ednsPayloadBytes) : null,
    rcode: a.rcode,
    aa: a.aa,
  };
}

/**
 * A cached reply for another query with the same key: a copy with this query's id, RD bit and question
 * bytes (the names are equal but for case; echoing them keeps the resolver's 0x20 case mix).
 */
export function reuseReply(w: WireWriter, q: QueryHead, r: ReusableReply, budgetBytes: number, ednsPayloadBytes: number, encodedForThisQuery = false): Encoded {
  const fits = r.full.length <= budgetBytes ? r.full : r.minimal && r.minimal.length <= budgetBytes ? r.minimal : null;
  if (!fits) return { bytes: encodeLevel(w, q, { rcode: r.rcode, aa: r.aa, answers: [], authorities: [], additionals: [], negative: false }, TRUNCATED, ednsPayloadBytes), truncated: true, minimized: true };
  // The query that filled the entry is sent the cached bytes themselves (nothing ever writes to them).
  if (encodedForThisQuery) return { bytes: fits, truncated: false, minimized: fits !== r.full };
  const out = Buffer.allocUnsafe(fits.length);
  fits.copy(out);
  out.writeUInt16BE(q.id, 0);
  out[2] = q.rd ? out[2] | 0x01 : out[2] & 0xfe;
  q.question.copy(out, 12);
  return { bytes: out, truncated: false, minimized: fits !== r.full };
}

function encodeLevel(w: WireWriter, q: Query, a: Answer, level: number, ednsPayloadBytes: number): Buffer {
  writeLevel(w, q, a, level, ednsPayloadBytes);
  return w.finish();
}

function writeLevel(w: WireWriter, q: Query, a: Answer, level: number, ednsPayloadBytes: number): void {
  w.start({ id: q.id, opcode: 0, aa: a.aa, tc: level === TRUNCATED, rd: q.rd, rcode: a.rcode === 'BADVERS' ? 'NOERROR' : a.rcode }, { raw: q.question, name: q.name });
  if (level < TRUNCATED) {
    for (const rr of a.answers) w.record(1, rr);
    if (level === FULL || a.negative) for (const rr of a.authorities) w.record(2, rr);
    if (level === FULL) for (const rr of a.additionals) w.record(3, rr);
  }
  // BADVERS is rcode 16: the upper 8 bits (1) travel in the OPT record, the lower 4 (0) in the header.
  if (q.edns) w.opt(ednsPayloadBytes, a.rcode === 'BADVERS' ? 1 : 0);
}

/** A header-only FORMERR/NOTIMP for a query whose question could not be trusted. */
export function encodeHeaderOnly(w: WireWriter, id: number, opcode: number, rcode: 'FORMERR' | 'NOTIMP'): Buffer {
  w.start({ id, opcode, aa: false, tc: false, rd: false, rcode });
  return w.finish();
}
