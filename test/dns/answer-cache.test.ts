// The answer cache through DnsHandler (manual clock, seeded RNG): what a hit reuses and what it must not.
import { describe, expect, it } from 'vitest';
import { AnswerCache } from '../../seed-node/dns/answer-cache';
import { DNS_DEFAULTS } from '../../seed-node/dns/defaults';
import type { ReusableReply } from '../../seed-node/dns/fit';
import { LIVENESS_DEFAULTS } from '../../seed-node/dns/liveness';
import { addresses, decodeReply, encodeQuery, makeCore, seed } from './core';

const six = () => [1, 2, 3, 4, 5, 6].map((i) => seed(i));
const ROTATIONS = DNS_DEFAULTS.answerCacheRotations;

/** Asks `name` until its entry holds every rotation, so the next ask is a hit. */
function fill(core: ReturnType<typeof makeCore>, name: string, o: Parameters<ReturnType<typeof makeCore>['ask']>[2] = {}) {
  const replies = Array.from({ length: ROTATIONS }, () => core.ask(name, 'A', o)!);
  return replies;
}

describe('answer cache', () => {
  it('a hit carries the query\'s own id, RD bit and question bytes (0x20 case mix), the rest as cached', () => {
    const core = makeCore({ seeds: six() });
    fill(core, 'example.com.reef.localhost');
    expect(core.handler.stats.answerCacheMisses).toBe(ROTATIONS);
    const q = encodeQuery('ExAmPLe.cOm.REEF.localHOST', 'A', 0xbeef);
    q[2] &= 0xfe; // RD off
    const out = core.handler.handle(q, { ip: '198.51.100.7', transport: 'tcp' })!;
    expect(core.handler.stats.answerCacheHits).toBe(1);
    const r = decodeReply(out);
    expect(r.id).toBe(0xbeef);
    expect(out[2] & 0x01).toBe(0);
    expect(out.subarray(12, 12 + q.length - 12 - 11)).toEqual(q.subarray(12, q.length - 11));
    expect(r.decoded.questions![0].name).toBe('ExAmPLe.cOm.REEF.localHOST');
    // Owner names are pointers to the question, so they follow its case too.
    expect(r.decoded.answers!.map((a) => a.name)).toEqual(Array(4).fill('ExAmPLe.cOm.REEF.localHOST'));
    expect([r.rcode, r.aa, addresses(r).length]).toEqual([0, true, 4]);
    // The next query with RD set gets it back.
    const again = core.ask('example.com.reef.localhost')!;
    expect(again.bytes[2] & 0x01).toBe(1);
    expect(again.packet.id).toBe(again.query.readUInt16BE(0));
  });

  it('keeps several independently answered replies per name and hands them out in turn', () => {
    const core = makeCore({ seeds: six() });
    const filled = fill(core, 'spread.reef.localhost').map((r) => addresses(r.packet).join(','));
    expect(new Set(filled).size).toBeGreaterThan(1);
    const hits = Array.from({ length: 3 * ROTATIONS }, () => addresses(core.ask('spread.reef.localhost')!.packet).join(','));
    expect(core.handler.stats.answerCacheMisses).toBe(ROTATIONS);
    for (let i = 0; i < hits.length; i++) expect(hits[i]).toBe(filled[i % ROTATIONS]);
  });

  it('drops cached answers when the live set changes: a failed seed, a silent one, a seed coming back', () => {
    const seeds = six();
    const core = makeCore({ seeds });
    const victim = '192.0.2.6';
    const seenIn = (name: string) => Array.from({ length: 2 * ROTATIONS }, () => addresses(core.ask(name)!.packet)).some((a) => a.includes(victim));
    expect(seenIn('a.reef.localhost')).toBe(true);
    // Refused probes: out at once, no clock advance (neither the answer nor the directory memo lingers).
    core.tracker.failed('seed6');
    core.tracker.failed('seed6');
    expect(seenIn('a.reef.localhost')).toBe(false);
    core.tracker.heard('seed6');
    expect(seenIn('a.reef.localhost')).toBe(true);
    // Silence: the others keep answering probes, seed6 does not. Its last answers are cached at the
    // last moment it still counts as live; one step later it timed out and is gone, though those
    // entries are younger than the cache's own age bound.
    const step = 1_000;
    for (let t = step; t <= LIVENESS_DEFAULTS.deadAfterMs; t += step) {
      core.clock.advance(step);
      for (const s of seeds.slice(1, 5)) core.tracker.heard(s.id);
      expect(seenIn('a.reef.localhost')).toBe(true);
    }
    core.clock.advance(step);
    expect(step).toBeLessThan(DNS_DEFAULTS.answerCacheMs);
    expect(seenIn('a.reef.localhost')).toBe(false);
  });

  it('a new seed list (setSeeds) is answered at once', () => {
    const core = makeCore({ seeds: six() });
    fill(core, 'b.reef.localhost');
    core.directory.setSeeds([seed(1), seed(2)]);
    for (let i = 0; i < ROTATIONS + 1; i++) expect(addresses(core.ask('b.reef.localhost')!.packet).sort()).toEqual(['192.0.2.1', '192.0.2.2']);
  });

  it('entries expire after answerCacheMs even when nothing changed', () => {
    const core = makeCore({ seeds: six() });
    fill(core, 'c.reef.localhost');
    core.ask('c.reef.localhost');
    expect(core.handler.stats.answerCacheHits).toBe(1);
    core.clock.advance(DNS_DEFAULTS.answerCacheMs);
    // Seeds heard again so they stay live; the entry's age alone forces fresh answers.
    for (let i = 1; i <= 6; i++) core.tracker.heard(`seed${i}`);
    core.ask('c.reef.localhost');
    expect(core.handler.stats.answerCacheMisses).toBe(ROTATIONS + 1);
  });

  it('EDNS and plain queries have separate entries: OPT only in replies to EDNS queries', () => {
    const core = makeCore({ seeds: six() });
    fill(core, 'd.reef.localhost', { edns: { udpPayloadSize: 1232 } });
    const plain = core.ask('d.reef.localhost', 'A', { edns: false })!;
    expect(core.handler.stats.answerCacheHits).toBe(0);
    expect(plain.bytes.readUInt16BE(10)).toBe(0);
    // The plain entry has one reply now; three more fill it.
    for (let i = 1; i < ROTATIONS; i++) core.ask('d.reef.localhost', 'A', { edns: false });
    expect(core.handler.stats.answerCacheHits).toBe(0);
    expect(core.ask('d.reef.localhost', 'A', { edns: false })!.bytes.readUInt16BE(10)).toBe(0);
    const withOpt = core.ask('d.reef.localhost', 'A', { edns: { udpPayloadSize: 1232 } })!;
    expect(withOpt.bytes.readUInt16BE(10)).toBe(1);
    expect(withOpt.packet.decoded.additionals!.map((a) => a.type)).toEqual(['OPT']);
    expect(core.handler.stats.answerCacheHits).toBe(2);
    // Another EDNS version is never served from the cache (BADVERS is answered afresh).
    const bad = core.ask('d.reef.localhost', 'A', { edns: { version: 1 } })!;
    expect(bad.packet.decoded.answers).toEqual([]);
    expect(core.handler.stats.answerCacheHits).toBe(2);
  });

  it('a hit still fits each query\'s own budget: minimized for an unverified UDP source, TC=1 when nothing fits', () => {
    const seeds = [1, 2, 3, 4].map((i) => seed(i, { clusters: { l1: 'eu' } }));
    const hints = [{ cidr: '0.0.0.0/0', clusters: { l1: 'eu' } }];
    // Filled over TCP: the cached reply carries the NS authority section.
    const core = makeCore({ seeds, prefixHints: hints });
    const full = fill(core, 'example.com.reef.localhost', { transport: 'tcp', ip: '203.0.113.1' })[0];
    expect(full.packet.decoded.authorities!.length).toBe(4);
    const udp = core.ask('example.com.reef.localhost', 'A', { transport: 'udp', ip: '203.0.113.9' })!;
    expect(core.handler.stats.answerCacheHits).toBe(1);
    expect(udp.bytes.length).toBeLessThanOrEqual(3 * udp.query.length);
    expect(udp.packet.decoded.authorities).toEqual([]);
    expect(addresses(udp.packet)).toHaveLength(4);
    expect(core.handler.stats.minimized).toBe(1);
    const tcp = core.ask('example.com.reef.localhost', 'A', { transport: 'tcp', ip: '203.0.113.9' })!;
    expect(tcp.packet.decoded.authorities!.length).toBe(4);
    // Filled over UDP by an unverified source, a TCP query still gets the full reply.
    const other = makeCore({ seeds, prefixHints: hints });
    fill(other, 'example.com.reef.localhost', { transport: 'udp', ip: '203.0.113.9' });
    expect(other.ask('example.com.reef.localhost', 'A', { transport: 'tcp' })!.packet.decoded.authorities!.length).toBe(4);
    // Nothing fits: TC=1 with no records, the cached rcode and AA.
    const tight = makeCore({ seeds: six(), limits: { unverifiedAmplificationFactor: 1 } });
    fill(tight, 'example.com.reef.localhost', { transport: 'tcp' });
    const tc = tight.ask('example.com.reef.localhost', 'A', { transport: 'udp', ip: '203.0.113.9' })!;
    expect(tight.handler.stats.answerCacheHits).toBe(1);
    expect([tc.packet.tc, tc.packet.aa, tc.packet.rcode, tc.packet.decoded.answers!.length]).toEqual([true, true, 0, 0]);
    expect(tc.bytes.length).toBeLessThanOrEqual(tc.query.length);
  });

  it('resolvers in different clusters do not share entries', () => {
    const seeds = [seed(1, { clusters: { l1: 'eu' } }), seed(2, { clusters: { l1: 'eu' } }), seed(3, { clusters: { l1: 'us' } }), seed(4, { clusters: { l1: 'us' } })];
    const core = makeCore({ seeds, prefixHints: [{ cidr: '203.0.113.0/24', clusters: { l1: 'eu' } }, { cidr: '198.51.100.0/24', clusters: { l1: 'us' } }] });
    const target = (ip: string) => (core.ask('example.com.reef.localhost', 'A', { ip })!.packet.decoded.answers![0] as { data: string }).data;
    for (let i = 0; i < 2 * ROTATIONS; i++) expect(target('203.0.113.5')).toBe('example.com.l1-eu.l0.reef.localhost');
    for (let i = 0; i < 2 * ROTATIONS; i++) expect(target('198.51.100.5')).toBe('example.com.l1-us.l0.reef.localhost');
    // Two resolvers of one cluster do share them.
    const before = core.handler.stats.answerCacheHits;
    target('203.0.113.77');
    expect(core.handler.stats.answerCacheHits).toBe(before + 1);
  });
});

describe('AnswerCache', () => {
  const reply = (n: number): ReusableReply => ({ full: Buffer.from([n]), minimal: null, rcode: 'NOERROR', aa: true });

  it('holds at most maxEntries keys, dropping the oldest', () => {
    const c = new AnswerCache({ maxEntries: 3, maxAgeMs: 1_000, rotations: 1 });
    for (let i = 0; i < 10; i++) c.add(`k${i}`, 0, 0, reply(i));
    expect(c.size).toBe(3);
    expect(c.get('k0', 0, 1)).toBeUndefined();
    expect(c.get('k9', 0, 1)?.full[0]).toBe(9);
  });

  it('misses until every rotation is filled, on another version, and at maxAgeMs', () => {
    const c = new AnswerCache({ maxEntries: 10, maxAgeMs: 1_000, rotations: 2 });
    c.add('k', 5, 0, reply(1));
    expect(c.get('k', 5, 1)).toBeUndefined();
    c.add('k', 5, 0, reply(2));
    expect([c.get('k', 5, 1)?.full[0], c.get('k', 5, 1)?.full[0], c.get('k', 5, 1)?.full[0]]).toEqual([1, 2, 1]);
    expect(c.get('k', 6, 1)).toBeUndefined();
    expect(c.get('k', 5, 1_000)).toBeUndefined();
    // A fill under the new version starts the entry over.
    c.add('k', 6, 2, reply(3));
    c.add('k', 6, 2, reply(4));
    expect(c.get('k', 6, 3)?.full[0]).toBe(3);
  });
});
