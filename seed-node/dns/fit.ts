// Encoding an Answer into at most `budgetBytes`: the full reply, else a minimal one (answers only,
// or the SOA of a negative answer), else an empty TC=1 reply that sends the client to TCP.
import type { Answer } from './answer';
import type { DnsQuery } from './query';
import { WireWriter } from './wire';

export interface Encoded {
  bytes: Buffer;
  truncated: boolean;
  minimized: boolean;
}

export function encodeAnswer(w: WireWriter, q: DnsQuery, a: Answer, budgetBytes: number, ednsPayloadBytes: number): Encoded {
  const attempts = [
    { tc: false, answers: a.answers, authorities: a.authorities, additionals: a.additionals },
    { tc: false, answers: a.answers, authorities: a.negative ? a.authorities : [], additionals: [] },
    { tc: true, answers: [], authorities: [], additionals: [] },
  ];
  for (let i = 0; i < attempts.length; i++) {
    const s = attempts[i];
    w.start({ id: q.id, opcode: 0, aa: a.aa, tc: s.tc, rd: q.rd, rcode: a.rcode === 'BADVERS' ? 'NOERROR' : a.rcode }, { raw: q.question, name: q.name });
    for (const rr of s.answers) w.record(1, rr);
    for (const rr of s.authorities) w.record(2, rr);
    for (const rr of s.additionals) w.record(3, rr);
    // BADVERS is rcode 16: the upper 8 bits (1) travel in the OPT record, the lower 4 (0) in the header.
    if (q.edns) w.opt(ednsPayloadBytes, a.rcode === 'BADVERS' ? 1 : 0);
    if (w.length <= budgetBytes || s.tc) return { bytes: w.finish(), truncated: s.tc, minimized: i > 0 };
  }
  throw new Error('unreachable');
}

/** A header-only FORMERR/NOTIMP for a query whose question could not be trusted. */
export function encodeHeaderOnly(w: WireWriter, id: number, opcode: number, rcode: 'FORMERR' | 'NOTIMP'): Buffer {
  w.start({ id, opcode, aa: false, tc: false, rd: false, rcode });
  return w.finish();
}
