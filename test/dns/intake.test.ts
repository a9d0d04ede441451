// Query intake under hostile input: bounded work before dns-packet sees anything, and no throw ever.
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DNS_DEFAULTS } from '../../seed-node/dns/defaults';
import { intakeQuery } from '../../seed-node/dns/query';
import { encodeQuery, makeCore, seed } from './core';

const header = (id: number, flags: number, qd: number, an: number, ns: number, ar: number) => {
  const b = Buffer.alloc(12);
  [id, flags, qd, an, ns, ar].forEach((v, i) => b.writeUInt16BE(v, 2 * i));
  return b;
};

describe('intakeQuery', () => {
  it('accepts a well-formed query and reads its EDNS', () => {
    const r = intakeQuery(encodeQuery('a.reef.localhost', 'AAAA', 9, { udpPayloadSize: 4096 }), DNS_DEFAULTS);
    expect(r).toMatchObject({ ok: true, query: { id: 9, name: 'a.reef.localhost', type: 'AAAA', rd: true, edns: { udpPayloadSize: 4096, version: 0 } } });
  });

  it('rejects headers claiming many records at a thousandth of what dns-packet spends on them', () => {
    const evil = header(1, 0, 65535, 65535, 65535, 65535);
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) expect(() => dnsPacket.decode(evil)).toThrow();
    const decodeMs = performance.now() - t0;
    const t1 = performance.now();
    let rejected = 0;
    for (let i = 0; i < 20_000; i++) {
      const r = intakeQuery(evil, DNS_DEFAULTS);
      if (!r.ok && r.code === 'DNS_ERR_BAD_COUNTS' && r.reply === 'FORMERR') rejected++;
    }
    // 1000× as many packets through intake as through dns-packet, in less time.
    expect(performance.now() - t1).toBeLessThan(decodeMs);
    expect(rejected).toBe(20_000);
  });

  it('refuses compression pointers in the question and pointer chains in additionals', () => {
    const q = Buffer.concat([header(1, 0, 1, 0, 0, 0), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]);
    expect(intakeQuery(q, DNS_DEFAULTS)).toMatchObject({ ok: false, code: 'DNS_ERR_BAD_NAME' });
    const base = encodeQuery('a.b', 'A', 1, false);
    base.writeUInt16BE(2, 10);
    // Two additionals whose names are pointers to the previous pointer: a chain.
    const chainA = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
    const chainB = Buffer.from([0xc0, base.length, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(intakeQuery(Buffer.concat([base, chainA, chainB]), DNS_DEFAULTS)).toMatchObject({ ok: false, code: 'DNS_ERR_BAD_RECORD' });
  });

  it('drops responses, short and oversize packets without a reply; NOTIMP for other opcodes', () => {
    expect(intakeQuery(header(1, 0x8000, 1, 0, 0, 0), DNS_DEFAULTS)).toMatchObject({ reply: 'drop', code: 'DNS_ERR_NOT_QUERY' });
    expect(intakeQuery(Buffer.alloc(11), DNS_DEFAULTS)).toMatchObject({ reply: 'drop', code: 'DNS_ERR_TOO_SHORT' });
    expect(intakeQuery(Buffer.alloc(1233), DNS_DEFAULTS)).toMatchObject({ reply: 'drop', code: 'DNS_ERR_TOO_LARGE' });
    const update = encodeQuery('a.reef.localhost', 'A', 3, false);
    update.writeUInt16BE(5 << 11, 2);
    expect(intakeQuery(update, DNS_DEFAULTS)).toMatchObject({ reply: 'NOTIMP', id: 3, opcode: 5 });
    const trailing = Buffer.concat([encodeQuery('a.reef.localhost', 'A', 4, false), Buffer.from([1, 2, 3])]);
    expect(intakeQuery(trailing, DNS_DEFAULTS)).toMatchObject({ reply: 'FORMERR', code: 'DNS_ERR_TRAILING_BYTES' });
  });

  it('fuzz: random bytes and mutated queries never throw through the handler, and replies are well-formed', () => {
    const { handler } = makeCore({ seeds: [seed(1), seed(2), seed(3)] });
    const valid = [encodeQuery('example.com.reef.localhost', 'A', 1), encodeQuery('reef.localhost', 'NS', 2, false), encodeQuery('x.l1-a.l0.reef.localhost', 'ANY' as 'A', 3)];
    const mutated = fc.tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.integer({ min: -20, max: 20 })).map(([v, edits, cut]) => {
      const b = Buffer.from(v);
      for (const [at, byte] of edits) b[at % b.length] = byte;
      return cut < 0 ? b.subarray(0, Math.max(0, b.length + cut)) : Buffer.concat([b, Buffer.alloc(cut, 0xc0)]);
    });
    const junk = fc.uint8Array({ maxLength: 1400 }).map((u) => Buffer.from(u));
    fc.assert(
      fc.property(fc.oneof(mutated, junk), fc.constantFrom('udp' as const, 'tcp' as const), (pkt, transport) => {
        const out = handler.handle(pkt, { ip: '203.0.113.1', transport });
        if (out) {
          expect(out.length).toBeGreaterThanOrEqual(12);
          expect(out.readUInt16BE(0)).toBe(pkt.readUInt16BE(0));
          expect(out[2] & 0x80).toBe(0x80);
        }
      }),
      { numRuns: 20_000 },
    );
    expect(handler.stats.malformed).toBeGreaterThan(1000);
  });
});
