// Query intake: bound the size and sanity-check the header and every name *before* dns-packet decodes
// (a 12-byte header claiming 65,535 records costs it ~2 ms; pointer chains decode in quadratic time).
// Garbage yields a reject code and, when the header is readable, a FORMERR/NOTIMP reply — never a throw.
import dnsPacket from 'dns-packet';
import type { DnsLimits } from './defaults';
import type { DnsRejectCode } from './errors';

export interface DnsQuery {
  id: number;
  /** Recursion desired, echoed in the reply. */
  rd: boolean;
  name: string;
  type: string;
  class: string;
  /** The raw question section (echoed byte for byte, keeping the resolver's 0x20 case mix). */
  question: Buffer;
  edns?: { udpPayloadSize: number; version: number };
  sizeBytes: number;
}

export type QueryIntake =
  | { ok: true; query: DnsQuery }
  | { ok: false; code: DnsRejectCode; reply: 'drop' }
  | { ok: false; code: DnsRejectCode; reply: 'FORMERR' | 'NOTIMP'; id: number; opcode: number };

const QR = 0x8000;

export function intakeQuery(buf: Uint8Array, limits: Pick<DnsLimits, 'maxQueryBytes' | 'maxQueryAdditionals'>): QueryIntake {
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
  const [qd, an, ns, ar] = [b.readUInt16BE(4), b.readUInt16BE(6), b.readUInt16BE(8), b.readUInt16BE(10)];
  if (qd !== 1 || an !== 0 || ns !== 0 || ar > limits.maxQueryAdditionals) return fail('DNS_ERR_BAD_COUNTS', id, opcode);
  let off = skipName(b, 12, false);
  if (off < 0 || off + 4 > b.length) return fail('DNS_ERR_BAD_NAME', id, opcode);
  const questionEnd = off + 4;
  off = questionEnd;
  for (let i = 0; i < ar; i++) {
    off = skipName(b, off, true);
    if (off < 0 || off + 10 > b.length) return fail('DNS_ERR_BAD_RECORD', id, opcode);
    off += 10 + b.readUInt16BE(off + 8);
    if (off > b.length) return fail('DNS_ERR_BAD_RECORD', id, opcode);
  }
  if (off !== b.length) return fail('DNS_ERR_TRAILING_BYTES', id, opcode);
  let packet: dnsPacket.DecodedPacket;
  try {
    packet = dnsPacket.decode(b);
  } catch {
    return fail('DNS_ERR_DECODE', id, opcode);
  }
  const q = packet.questions?.[0];
  const opts = (packet.additionals ?? []).filter((a) => a.type === 'OPT') as dnsPacket.OptAnswer[];
  if (!q || opts.length > 1) return fail('DNS_ERR_BAD_RECORD', id, opcode);
  const opt = opts[0] as (dnsPacket.OptAnswer & { ednsVersion?: number }) | undefined;
  return {
    ok: true,
    query: {
      id,
      rd: (flags & 0x0100) !== 0,
      name: q.name,
      type: q.type,
      class: q.class ?? 'IN',
      // A view, not a copy: sockets hand us a fresh buffer per message and never reuse it.
      question: b.subarray(12, questionEnd),
      ...(opt ? { edns: { udpPayloadSize: opt.udpPayloadSize ?? 512, version: opt.ednsVersion ?? 0 } } : {}),
      sizeBytes: b.length,
    },
  };
}

function fail(code: DnsRejectCode, id: number, opcode: number, reply: 'FORMERR' | 'NOTIMP' = 'FORMERR'): QueryIntake {
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
