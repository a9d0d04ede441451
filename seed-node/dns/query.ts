// Query intake: bound the size and sanity-check the header and every name *before* dns-packet decodes
// (a 12-byte header claiming 65,535 records costs it ~2 ms; pointer chains decode in quadratic time).
// Garbage yields a reject code and, when the header is readable, a FORMERR/NOTIMP reply — never a throw.
// The walk over the question and OPT is all an answer-cache hit needs; only misses reach dns-packet.
import dnsPacket from 'dns-packet';
import type { DnsLimits } from './defaults';
import type { DnsRejectCode } from './errors';

/** What the header and a walk over the question and additionals tell, before anything is decoded. */
export interface QueryHead {
  id: number;
  /** Recursion desired, echoed in the reply. */
  rd: boolean;
  /** The raw question section (echoed byte for byte, keeping the resolver's 0x20 case mix). */
  question: Buffer;
  edns?: { udpPayloadSize: number; version: number; dnssecOk: boolean };
  sizeBytes: number;
  /**
   * An ASCII question name and no additional but an OPT owned by the root: the raw question, lowercased,
   * can key the answer cache (anything else is answered without it).
   */
  plain: boolean;
  /** The whole message, for decodeQuery(). */
  packet: Buffer;
}

export interface DnsQuery extends QueryHead {
  name: string;
  type: string;
  class: string;
}

type Reject = { ok: false; code: DnsRejectCode; reply: 'drop' } | { ok: false; code: DnsRejectCode; reply: 'FORMERR' | 'NOTIMP'; id: number; opcode: number };
export type QueryInspection = { ok: true; head: QueryHead } | Reject;
export type QueryIntake = { ok: true; query: DnsQuery } | Reject;

const QR = 0x8000;
const OPT = 41;

/** Header and structure checks only: bounded work, no decoding, no throw. */
export function inspectQuery(buf: Uint8Array, limits: Pick<DnsLimits, 'maxQueryBytes' | 'maxQueryAdditionals'>): QueryInspection {
  if (buf.length < 12) return { ok: false, code: 'DNS_ERR_TOO_SHORT', reply: 'drop' };
  if (buf.length > limits.maxQueryBytes) return { ok: false, code: 'DNS_ERR_TOO_LARGE', reply: 'drop' };
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  const id = b.readUInt16BE(0);
  const flags = b.readUInt16BE(2);
  // Never answer a response: that is how reflection loops between servers start.
  if (flags & QR) return { ok: false, code: 'DNS_ERR_NOT_QUERY', reply: 'drop' };
  const opcode = (flags >> 11) & 0xf;
  // (No closure here: this runs for every packet.)
  if (opcode !== 0) return fail('DNS_ERR_BAD_OPCODE', id, opcode, 'NOTIMP');
  const qd = b.readUInt16BE(4);
  const an = b.readUInt16BE(6);
  const ns = b.readUInt16BE(8);
  const ar = b.readUInt16BE(10);
  if (qd !== 1 || an !== 0 || ns !== 0 || ar > limits.maxQueryAdditionals) return fail('DNS_ERR_BAD_COUNTS', id, opcode);
  let off = skipName(b, 12, false);
  if (off < 0 || off + 4 > b.length) return fail('DNS_ERR_BAD_NAME', id, opcode);
  let plain = isAscii(b, 12, off);
  const questionEnd = off + 4;
  off = questionEnd;
  let edns: QueryHead['edns'];
  for (let i = 0; i < ar; i++) {
    const at = off;
    off = skipName(b, off, true);
    if (off < 0 || off + 10 > b.length) return fail('DNS_ERR_BAD_RECORD', id, opcode);
    if (b.readUInt16BE(off) === OPT) {
      // At most one OPT (RFC 6891 §6.1.1). Its CLASS is the payload size, its TTL rcode-high/version/flags.
      if (edns) return fail('DNS_ERR_BAD_RECORD', id, opcode);
      edns = { udpPayloadSize: b.readUInt16BE(off + 2), version: b[off + 5], dnssecOk: (b[off + 6] & 0x80) !== 0 };
      if (off !== at + 1) plain = false;
    } else plain = false;
    off += 10 + b.readUInt16BE(off + 8);
    if (off > b.length) return fail('DNS_ERR_BAD_RECORD', id, opcode);
  }
  if (off !== b.length) return fail('DNS_ERR_TRAILING_BYTES', id, opcode);
  return {
    ok: true,
    // A view, not a copy: sockets hand us a fresh buffer per message and never reuse it.
    head: { id, rd: (flags & 0x0100) !== 0, question: b.subarray(12, questionEnd), edns, sizeBytes: b.length, plain, packet: b },
  };
}

/** The question as dns-packet reads it (answer-cache misses and non-plain queries only). */
export function decodeQuery(head: QueryHead): QueryIntake {
  let packet: dnsPacket.DecodedPacket;
  try {
    packet = dnsPacket.decode(head.packet);
  } catch {
    return fail('DNS_ERR_DECODE', head.id, 0);
  }
  const q = packet.questions?.[0];
  if (!q) return fail('DNS_ERR_BAD_RECORD', head.id, 0);
  // Spelled out, not spread: this runs for every answer-cache miss.
  const { id, rd, question, edns, sizeBytes, plain } = head;
  return { ok: true, query: { id, rd, question, edns, sizeBytes, plain, packet: head.packet, name: q.name, type: q.type, class: q.class ?? 'IN' } };
}

export function intakeQuery(buf: Uint8Array, limits: Pick<DnsLimits, 'maxQueryBytes' | 'maxQueryAdditionals'>): QueryIntake {
  const i = inspectQuery(buf, limits);
  return i.ok ? decodeQuery(i.head) : i;
}

function fail(code: DnsRejectCode, id: number, opcode: number, reply: 'FORMERR' | 'NOTIMP' = 'FORMERR'): Reject {
  return { ok: false, code, reply, id, opcode };
}

/**
 * Offset just past the name at `off`, or -1. The question name must be uncompressed (nothing precedes
 * it); a later name may be one pointer to the question name (offset 12), nothing else — so no chains.
 */
function skipName(b: Buffer, off: number, allowPointerToQuestion: boolean): number {
  let total = 0;
  for (;;) {
    if (off >= b.length) return -1;
    const len = b[off];
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) {
      if (!allowPointerToQuestion || off + 2 > b.length || b.readUInt16BE(off) !== 0xc00c) return -1;
      return off + 2;
    }
    if (len > 63) return -1;
    total += len + 1;
    if (total > 254 || off + 1 + len > b.length) return -1;
    off += 1 + len;
  }
}

function isAscii(b: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] > 0x7f) return false;
  return true;
}
