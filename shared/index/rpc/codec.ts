// Binary codec of index packets: header, body, then an HMAC tag over everything before it.
//   u8 magic | u8 version | u8 kind | u8 command | u32 txid | 20B sender | u8 services
//   | u8 n, n x (u48 clusterId, u32 size, u32 ageS) | body | tag
// decodePacket never throws: garbage yields a reason string, which the node counts and drops.
import { PROTOCOL_VERSION } from '../config';
import { ID_BYTES, internId } from '../id';
import type { Authenticator, Contact } from '../types';
import { CMD, KIND, MAGIC, type Command, type Kind } from './commands';
import type { Body, ClusterAdvert, Header, Message } from './messages';

export const HEADER_FIXED_BYTES = 29;
const CLUSTER_ADVERT_BYTES = 14;
export const MAX_CONTACTS_PER_REPLY = 32;
export const MAX_VALUES_PER_REPLY = 32;
const MAX_ADDRESS_BYTES = 64;
const MAX_CLUSTER_LEVELS = 6;

/** Wire (kind, command) of each body type. */
const WIRE: Record<Body['t'], [Kind, Command]> = {
  ping: [KIND.request, CMD.ping],
  pong: [KIND.response, CMD.ping],
  findNode: [KIND.request, CMD.findNode],
  nodes: [KIND.response, CMD.findNode],
  findValue: [KIND.request, CMD.findValue],
  values: [KIND.response, CMD.findValue],
  putWalk: [KIND.request, CMD.putWalk],
  walked: [KIND.response, CMD.putWalk],
  store: [KIND.request, CMD.store],
  stored: [KIND.response, CMD.store],
  remove: [KIND.request, CMD.remove],
  removed: [KIND.response, CMD.remove],
  app: [KIND.request, CMD.app],
  appReply: [KIND.response, CMD.app],
  error: [KIND.error, CMD.app],
  leave: [KIND.oneWay, CMD.leave],
};

class Writer {
  o = 0;
  constructor(readonly buf: Uint8Array) {}
  need(n: number): void {
    if (this.o + n > this.buf.length) throw new RangeError('index-packet-too-large');
  }
  u8(v: number): void {
    this.need(1);
    this.buf[this.o++] = v & 0xff;
  }
  u16(v: number): void {
    this.need(2);
    this.buf[this.o++] = (v >>> 8) & 0xff;
    this.buf[this.o++] = v & 0xff;
  }
  u32(v: number): void {
    this.need(4);
    this.buf[this.o++] = (v >>> 24) & 0xff;
    this.buf[this.o++] = (v >>> 16) & 0xff;
    this.buf[this.o++] = (v >>> 8) & 0xff;
    this.buf[this.o++] = v & 0xff;
  }
  u48(v: number): void {
    this.u16(Math.floor(v / 2 ** 32));
    this.u32(v >>> 0);
  }
  bytes(b: Uint8Array): void {
    this.need(b.length);
    this.buf.set(b, this.o);
    this.o += b.length;
  }
  ascii(s: string): void {
    if (s.length > 255) throw new RangeError('index-string-too-long');
    this.u8(s.length);
    this.need(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.o++] = s.charCodeAt(i) & 0x7f;
  }
  blob(b: Uint8Array): void {
    if (b.length > 0xffff) throw new RangeError('index-blob-too-long');
    this.u16(b.length);
    this.bytes(b);
  }
  contacts(cs: Contact[]): void {
    const n = Math.min(cs.length, MAX_CONTACTS_PER_REPLY);
    this.u8(n);
    for (let i = 0; i < n; i++) {
      this.bytes(cs[i].id);
      this.u8(cs[i].services);
      this.ascii(cs[i].address);
    }
  }
}

class Malformed extends Error {}

class Reader {
  o: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.o = start;
  }
  need(n: number): void {
    if (this.o + n > this.end) throw new Malformed('truncated');
  }
  u8(): number {
    this.need(1);
    return this.buf[this.o++];
  }
  u16(): number {
    this.need(2);
    const v = (this.buf[this.o] << 8) | this.buf[this.o + 1];
    this.o += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const b = this.buf;
    const v = ((b[this.o] << 24) | (b[this.o + 1] << 16) | (b[this.o + 2] << 8) | b[this.o + 3]) >>> 0;
    this.o += 4;
    return v;
  }
  u48(): number {
    const hi = this.u16();
    return hi * 2 ** 32 + this.u32();
  }
  /** A node id: the process-wide shared copy (see internId). */
  nodeId(): Uint8Array {
    this.need(ID_BYTES);
    const id = internId(this.buf, this.o);
    this.o += ID_BYTES;
    return id;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.slice(this.o, this.o + n); // copy: never keep the packet alive
    this.o += n;
    return out;
  }
  ascii(max: number): string {
    const n = this.u8();
    if (n > max) throw new Malformed('string-too-long');
    this.need(n);
    const start = this.o;
    for (let i = 0; i < n; i++) {
      const c = this.buf[start + i];
      if (c < 0x20 || c > 0x7e) throw new Malformed('bad-char');
    }
    this.o += n;
    return String.fromCharCode.apply(null, this.buf.subarray(start, start + n) as unknown as number[]);
  }
  blob(max: number): Uint8Array {
    const n = this.u16();
    if (n > max) throw new Malformed('blob-too-long');
    return this.bytes(n);
  }
  level(): number {
    const l = this.u8();
    if (l > MAX_CLUSTER_LEVELS) throw new Malformed('bad-level');
    return l;
  }
  contacts(): Contact[] {
    const n = this.u8();
    if (n > MAX_CONTACTS_PER_REPLY) throw new Malformed('too-many-contacts');
    const out: Contact[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const id = this.nodeId();
      const services = this.u8();
      const address = this.ascii(MAX_ADDRESS_BYTES);
      if (address.length === 0) throw new Malformed('empty-address');
      out[i] = { id, address, services };
    }
    return out;
  }
}

function writeBody(w: Writer, b: Body): void {
  switch (b.t) {
    case 'ping':
    case 'pong':
      return;
    case 'leave':
      w.u8(b.levels);
      return;
    case 'findNode':
      w.u8(b.level);
      w.bytes(b.target);
      return;
    case 'nodes':
      w.contacts(b.contacts);
      return;
    case 'findValue':
      w.u8(b.level);
      w.bytes(b.key);
      w.u8(b.maxValues);
      return;
    case 'values': {
      const n = Math.min(b.values.length, MAX_VALUES_PER_REPLY);
      w.u8(n);
      for (let i = 0; i < n; i++) w.blob(b.values[i]);
      w.contacts(b.contacts);
      return;
    }
    case 'putWalk':
      w.u8(b.level);
      w.bytes(b.key);
      w.u32(b.ttlMs);
      return;
    case 'walked':
      w.u8(b.fullAndLoaded ? 1 : 0);
      w.contacts(b.contacts);
      return;
    case 'store':
      w.u8(b.level);
      w.bytes(b.key);
      w.u32(b.ttlMs);
      w.blob(b.value);
      return;
    case 'stored':
      w.u8(b.status);
      return;
    case 'remove':
      w.u8(b.level);
      w.bytes(b.key);
      w.blob(b.value);
      return;
    case 'removed':
      w.u8(b.count);
      return;
    case 'app':
      w.ascii(b.name);
      w.blob(b.payload);
      return;
    case 'appReply':
      w.blob(b.payload);
      return;
    case 'error':
      w.ascii(b.code);
      return;
  }
}

function readBody(r: Reader, kind: number, cmd: number, maxBlob: number): Body {
  if (kind === KIND.error) return { t: 'error', code: r.ascii(64) };
  const req = kind === KIND.request;
  if (kind !== KIND.request && kind !== KIND.response && kind !== KIND.oneWay) throw new Malformed('bad-kind');
  if ((kind === KIND.oneWay) !== (cmd === CMD.leave)) throw new Malformed('bad-kind');
  switch (cmd) {
    case CMD.ping:
      return req ? { t: 'ping' } : { t: 'pong' };
    case CMD.leave:
      return { t: 'leave', levels: r.u8() };
    case CMD.findNode:
      return req ? { t: 'findNode', level: r.level(), target: r.bytes(ID_BYTES) } : { t: 'nodes', contacts: r.contacts() };
    case CMD.findValue: {
      if (req) return { t: 'findValue', level: r.level(), key: r.bytes(ID_BYTES), maxValues: r.u8() };
      const n = r.u8();
      if (n > MAX_VALUES_PER_REPLY) throw new Malformed('too-many-values');
      const values: Uint8Array[] = [];
      for (let i = 0; i < n; i++) values.push(r.blob(maxBlob));
      return { t: 'values', values, contacts: r.contacts() };
    }
    case CMD.putWalk:
      if (req) return { t: 'putWalk', level: r.level(), key: r.bytes(ID_BYTES), ttlMs: r.u32() };
      return { t: 'walked', fullAndLoaded: (r.u8() & 1) === 1, contacts: r.contacts() };
    case CMD.store:
      if (req) return { t: 'store', level: r.level(), key: r.bytes(ID_BYTES), ttlMs: r.u32(), value: r.blob(maxBlob) };
      return { t: 'stored', status: r.u8() };
    case CMD.remove:
      if (req) return { t: 'remove', level: r.level(), key: r.bytes(ID_BYTES), value: r.blob(maxBlob) };
      return { t: 'removed', count: r.u8() };
    case CMD.app:
      if (req) return { t: 'app', name: r.ascii(64), payload: r.blob(maxBlob) };
      return { t: 'appReply', payload: r.blob(maxBlob) };
    default:
      throw new Malformed('unknown-command');
  }
}

export interface Codec {
  /** Encodes, signs and returns a fresh packet. Throws only for local mistakes (oversized message). */
  encode(msg: Message, errorCmd?: Command): Uint8Array;
  /** Same as encode, without building a Message first (the hot path). */
  encodeParts(header: Omit<Header, 'txid'>, txid: number, body: Body, errorCmd?: Command): Uint8Array;
  decode(packet: Uint8Array): DecodeResult;
}

export type DecodeResult =
  | { ok: true; kind: Kind; cmd: Command; msg: Message }
  | { ok: false; reason: 'short' | 'bad-magic' | 'bad-version' | 'bad-mac' | 'malformed' | 'too-large' };

// Encoding is synchronous and returns a copy, so every codec of a size shares one scratch buffer
// (a simulator runs thousands of nodes in one thread: 9 KiB each added up to 90 MB at 10,000).
const scratches = new Map<string, { scratch: Uint8Array; writer: Writer }>();

// The copies are views into 64 KiB slabs: a packet of its own would cost an ArrayBuffer (memory
// outside the heap that every young-generation collection tracks) for a few hundred bytes.
const SLAB_BYTES = 64 * 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

function copyOut(src: Uint8Array, n: number): Uint8Array {
  if (n > SLAB_BYTES / 8) return src.slice(0, n);
  if (slabUsed + n > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + n);
  out.set(src.subarray(0, n));
  slabUsed += n;
  return out;
}

function scratchFor(maxPacketBytes: number, tagBytes: number): { scratch: Uint8Array; writer: Writer } {
  const key = `${maxPacketBytes}/${tagBytes}`;
  let s = scratches.get(key);
  if (!s) {
    const scratch = new Uint8Array(maxPacketBytes);
    s = { scratch, writer: new Writer(scratch.subarray(0, maxPacketBytes - tagBytes)) };
    scratches.set(key, s);
  }
  return s;
}

export function createCodec(auth: Authenticator, maxPacketBytes: number): Codec {
  const tagBytes = auth.tagBytes;
  const maxBlob = maxPacketBytes;
  const { scratch, writer } = scratchFor(maxPacketBytes, tagBytes);
  const codec: Codec = {
    encode(msg, errorCmd) {
      return codec.encodeParts(msg, msg.txid, msg.body, errorCmd);
    },
    encodeParts(msg, txid, body, errorCmd) {
      const w = writer;
      w.o = 0;
      const [kind, wireCmd] = WIRE[body.t];
      w.u8(MAGIC);
      w.u8(PROTOCOL_VERSION);
      w.u8(kind);
      w.u8(kind === KIND.error && errorCmd !== undefined ? errorCmd : wireCmd);
      w.u32(txid);
      w.bytes(msg.sender);
      w.u8(msg.services);
      const n = Math.min(msg.clusters.length, MAX_CLUSTER_LEVELS);
      w.u8(n);
      for (let i = 0; i < n; i++) {
        const c: ClusterAdvert = msg.clusters[i];
        w.u48(c.id);
        w.u32(Math.min(c.size, 0xffffffff));
        w.u32(Math.min(c.ageS, 0xffffffff));
      }
      writeBody(w, body);
      const end = w.o;
      auth.sign(scratch.subarray(0, end), scratch.subarray(end, end + tagBytes));
      return copyOut(scratch, end + tagBytes);
    },
    decode(p) {
      if (p.length > maxPacketBytes) return { ok: false, reason: 'too-large' };
      if (p.length < HEADER_FIXED_BYTES + tagBytes) return { ok: false, reason: 'short' };
      if (p[0] !== MAGIC) return { ok: false, reason: 'bad-magic' };
      if (p[1] !== PROTOCOL_VERSION) return { ok: false, reason: 'bad-version' };
      const end = p.length - tagBytes;
      if (!auth.verify(p.subarray(0, end), p.subarray(end))) return { ok: false, reason: 'bad-mac' };
      try {
        const r = new Reader(p, 2, end);
        const kind = r.u8() as Kind;
        const cmd = r.u8() as Command;
        const txid = r.u32();
        const sender = r.nodeId();
        const services = r.u8();
        const n = r.u8();
        if (n > MAX_CLUSTER_LEVELS) throw new Malformed('too-many-levels');
        const clusters: ClusterAdvert[] = [];
        for (let i = 0; i < n; i++) clusters.push({ id: r.u48(), size: r.u32(), ageS: r.u32() });
        const body = readBody(r, kind, cmd, maxBlob);
        if (r.o !== end) throw new Malformed('trailing-bytes');
        return { ok: true, kind, cmd, msg: { txid, sender, services, clusters, body } };
      } catch (e) {
        if (e instanceof Malformed) return { ok: false, reason: 'malformed' };
        throw e;
      }
    },
  };
  return codec;
}
