// The compressing reply encoder, checked against dns-packet's decoder (an independent implementation).
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WireWriter, type ResourceRecord } from '../../seed-node/dns/wire';

const rawName = (labels: Buffer[]) => Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0, 0, 1, 0, 1])]);

describe('WireWriter', () => {
  it('round-trips every record type through dns-packet, compressing repeated names', () => {
    const w = new WireWriter();
    const raw = rawName(['WwW', 'Example', 'com', 'reef', 'localhost'].map((s) => Buffer.from(s)));
    w.start({ id: 77, opcode: 0, aa: true, tc: false, rd: true, rcode: 'NXDOMAIN' }, { raw });
    const owner = 'WwW.Example.com.reef.localhost';
    const rrs: Array<[1 | 2 | 3, ResourceRecord]> = [
      [1, { name: owner, ttlSec: 300, data: { type: 'CNAME', target: 'www.example.com.l1-eu.l0.reef.localhost' } }],
      [1, { name: 'www.example.com.l1-eu.l0.reef.localhost', ttlSec: 30, data: { type: 'A', address: '192.0.2.1' } }],
      [1, { name: 'www.example.com.l1-eu.l0.reef.localhost', ttlSec: 30, data: { type: 'AAAA', address: '2001:db8::ffff:192.0.2.9' } }],
      [2, { name: 'l1-eu.l0.reef.localhost', ttlSec: 60, data: { type: 'NS', target: 'ns-a.reef.localhost' } }],
      [2, { name: 'reef.localhost', ttlSec: 30, data: { type: 'SOA', mname: 'ns-a.reef.localhost', rname: 'hostmaster.reef.localhost', serial: 5, refreshSec: 1, retrySec: 2, expireSec: 3, minimumSec: 4 } }],
      [3, { name: 'ns-a.reef.localhost', ttlSec: 60, data: { type: 'A', address: '198.51.100.200' } }],
    ];
    for (const [sec, rr] of rrs) w.record(sec, rr);
    w.opt(1232);
    const out = w.finish();
    const d = dnsPacket.decode(out);
    expect(d.id).toBe(77);
    expect((out.readUInt16BE(2) & 0xf)).toBe(3);
    expect(d.questions![0].name).toBe(owner);
    expect(d.answers!.map((a) => [a.name, a.type, (a as { data: unknown }).data])).toEqual([
      [owner, 'CNAME', 'www.example.com.l1-eu.l0.reef.localhost'],
      ['www.example.com.l1-eu.l0.reef.localhost', 'A', '192.0.2.1'],
      ['www.example.com.l1-eu.l0.reef.localhost', 'AAAA', '2001:db8::ffff:c000:209'],
    ]);
    expect(d.authorities![1]).toMatchObject({ type: 'SOA', data: { mname: 'ns-a.reef.localhost', rname: 'hostmaster.reef.localhost', serial: 5, refresh: 1, retry: 2, expire: 3, minimum: 4 } });
    expect(d.additionals![0]).toMatchObject({ name: 'ns-a.reef.localhost', type: 'A', data: '198.51.100.200' });
    // Compressed: far smaller than dns-packet's own uncompressed encoding of the same reply.
    expect(out.length).toBeLessThan(dnsPacket.encode(d).length * 0.7);
  });

  it('owner names equal to any classifiable question name (odd bytes, dots inside labels, case) decode to it', () => {
    const label = fc.uint8Array({ minLength: 1, maxLength: 20 }).map((u) => Buffer.from(u.map((b) => (b === 0 ? 0x61 : b))));
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 5 }), (labels) => {
        const raw = rawName(labels);
        const decodedQ = dnsPacket.decode(Buffer.concat([Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), raw])).questions![0].name;
        // Owners equal to the question are only written for names that passed classification (ASCII,
        // no empty labels); check every such name round-trips, including dots inside raw labels —
        // with the decoded name given (fast suffix path) and without (label-by-label path).
        if (!/^[\x20-\x7e]*$/.test(decodedQ) || decodedQ.split('.').some((l) => l === '')) return;
        for (const question of [{ raw, name: decodedQ }, { raw }]) {
          const w = new WireWriter();
          w.start({ id: 1, opcode: 0, aa: true, tc: false, rd: false, rcode: 'NOERROR' }, question);
          w.record(1, { name: decodedQ, ttlSec: 1, data: { type: 'A', address: '10.0.0.1' } });
          w.record(1, { name: `x.${decodedQ}`, ttlSec: 1, data: { type: 'A', address: '10.0.0.2' } });
          const d = dnsPacket.decode(w.finish());
          expect(d.answers!.map((a) => a.name.toLowerCase())).toEqual([decodedQ.toLowerCase(), `x.${decodedQ}`.toLowerCase()]);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
