// Response encoding with name compression (dns-packet writes every name in full, which would double
// our answers and eat the amplification budget). Only the record types an authoritative Reef server
// emits: A, AAAA, NS, CNAME, SOA, and the OPT pseudo-record.

export type RData =
  | { type: 'A' | 'AAAA'; address: string }
  | { type: 'NS' | 'CNAME'; target: string }
  | { type: 'SOA'; mname: string; rname: string; serial: number; refreshSec: number; retrySec: number; expireSec: number; minimumSec: number };

export interface ResourceRecord {
  name: string;
  ttlSec: number;
  data: RData;
}

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;
export type Rcode = keyof typeof RCODE;
const TYPE_CODE = { A: 1, NS: 2, CNAME: 5, SOA: 6, AAAA: 28, OPT: 41 } as const;

export interface ResponseHeader {
  id: number;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  rcode: Rcode;
}

/** One reusable scratch buffer per writer; `finish()` copies the bytes out. */
export class WireWriter {
  private readonly buf = Buffer.allocUnsafe(65_535);
  private off = 0;
  private readonly names = new Map<string, number>();
  private counts = [0, 0, 0, 0];

  start(h: ResponseHeader, question?: { raw: Buffer; name?: string }): void {
    this.off = 12;
    this.names.clear();
    this.counts = [0, 0, 0, 0];
    const rcode = RCODE[h.rcode];
    const flags = 0x8000 | (h.opcode << 11) | (h.aa ? 0x400 : 0) | (h.tc ? 0x200 : 0) | (h.rd ? 0x100 : 0) | (rcode & 0xf);
    this.buf.writeUInt16BE(h.id, 0);
    this.buf.writeUInt16BE(flags, 2);
    if (question) {
      this.counts[0] = 1;
      question.raw.copy(this.buf, 12);
      this.rememberSuffixes(question.raw, 12, question.name);
      this.off += question.raw.length;
    }
  }

  /** section: 1 answer, 2 authority, 3 additional; records must be written in section order. */
  record(section: 1 | 2 | 3, rr: ResourceRecord): void {
    this.name(rr.name);
    this.buf.writeUInt16BE(TYPE_CODE[rr.data.type], this.off);
    this.buf.writeUInt16BE(1, this.off + 2);
    this.buf.writeUInt32BE(rr.ttlSec >>> 0, this.off + 4);
    const lenAt = this.off + 8;
    this.off += 10;
    const d = rr.data;
    if (d.type === 'A' || d.type === 'AAAA') this.address(d.address);
    else if (d.type === 'NS' || d.type === 'CNAME') this.name(d.target);
    else if (d.type === 'SOA') {
      this.name(d.mname);
      this.name(d.rname);
      for (const v of [d.serial, d.refreshSec, d.retrySec, d.expireSec, d.minimumSec]) {
        this.buf.writeUInt32BE(v >>> 0, this.off);
        this.off += 4;
      }
    }
    this.buf.writeUInt16BE(this.off - lenAt - 2, lenAt);
    this.counts[section]++;
  }

  /** EDNS(0) OPT with our payload size; extended rcode bits for BADVERS. */
  opt(udpPayloadSize: number, extendedRcode = 0): void {
    this.buf[this.off] = 0;
    this.buf.writeUInt16BE(TYPE_CODE.OPT, this.off + 1);
    this.buf.writeUInt16BE(udpPayloadSize, this.off + 3);
    this.buf.writeUInt32BE((extendedRcode & 0xff) << 24, this.off + 5);
    this.buf.writeUInt16BE(0, this.off + 9);
    this.off += 11;
    this.counts[3]++;
  }

  get length(): number {
    return this.off;
  }

  finish(): Buffer {
    for (let i = 0; i < 4; i++) this.buf.writeUInt16BE(this.counts[i], 4 + 2 * i);
    return Buffer.from(this.buf.subarray(0, this.off));
  }

  private name(name: string): void {
    let rest = name.toLowerCase();
    if (rest.endsWith('.')) rest = rest.slice(0, -1);
    while (rest.length > 0) {
      const ptr = this.names.get(rest);
      if (ptr !== undefined) {
        this.buf.writeUInt16BE(0xc000 | ptr, this.off);
        this.off += 2;
        return;
      }
      if (this.off < 0x3fff) this.names.set(rest, this.off);
      const dot = rest.indexOf('.');
      const label = dot < 0 ? rest : rest.slice(0, dot);
      const n = this.buf.write(label, this.off + 1, 'latin1');
      this.buf[this.off] = n;
      this.off += 1 + n;
      rest = dot < 0 ? '' : rest.slice(dot + 1);
    }
    this.buf[this.off++] = 0;
  }

  /**
   * Registers every suffix of the question name for compression. Fast path: when the decoded name has
   * one character per raw byte, the suffix at raw offset k is simply `text.slice(k)`.
   */
  private rememberSuffixes(raw: Buffer, at: number, decoded?: string): void {
    const text = decoded?.toLowerCase();
    let end = 0;
    while (end < raw.length && raw[end] !== 0) end += 1 + raw[end];
    if (text === undefined || text.length !== end - 1) return this.rememberSuffixesSlow(raw, at);
    for (let k = 0; k < end; k += 1 + raw[k]) {
      if (k > 0 && text.charCodeAt(k - 1) !== 46) return this.rememberSuffixesSlow(raw, at);
      this.names.set(k === 0 ? text : text.slice(k), at + k);
    }
  }

  private rememberSuffixesSlow(raw: Buffer, at: number): void {
    const starts: number[] = [];
    for (let i = 0; i < raw.length && raw[i] !== 0; i += 1 + raw[i]) starts.push(i);
    let key = '';
    for (let k = starts.length - 1; k >= 0; k--) {
      const s = starts[k];
      const label = raw.toString('latin1', s + 1, s + 1 + raw[s]).toLowerCase();
      key = key ? `${label}.${key}` : label;
      this.names.set(key, at + s);
    }
  }

  private address(addr: string): void {
    if (!addr.includes(':')) {
      let v = 0;
      for (let i = 0; i < addr.length; i++) {
        const c = addr.charCodeAt(i);
        if (c === 46) {
          this.buf[this.off++] = v;
          v = 0;
        } else v = v * 10 + (c - 48);
      }
      this.buf[this.off++] = v;
      return;
    }
    this.off += writeIPv6(addr, this.buf, this.off);
  }
}

function writeIPv6(addr: string, buf: Buffer, off: number): number {
  let text = addr;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const p = dotted[1].split('.').map(Number);
    text = text.slice(0, -dotted[1].length) + `${((p[0] << 8) | p[1]).toString(16)}:${((p[2] << 8) | p[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, ''];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  for (let i = 0; i < 8; i++) buf.writeUInt16BE(parseInt(groups[i], 16) || 0, off + 2 * i);
  return 16;
}
