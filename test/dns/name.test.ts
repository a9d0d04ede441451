// The name scheme: parse/format round trips, fixed vectors, and arbitrary input never throwing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyName, formatReefName, parseReefName } from '../../seed-node/dns/name';

const Z = 'reef.localhost';

describe('parseReefName', () => {
  it('maps names to origins the way docs/dns.md says', () => {
    expect(parseReefName('example.com.reef.localhost', Z)).toEqual({ originHost: 'example.com' });
    expect(parseReefName('localhost.8000.reef.localhost.', Z)).toEqual({ originHost: 'localhost', port: 8000 });
    expect(parseReefName('WWW.Example.COM.REEF.localhost', Z)).toEqual({ originHost: 'www.example.com' });
    expect(parseReefName('1.2.3.4.80.reef.localhost', Z)).toEqual({ originHost: '1.2.3.4', port: 80 });
    expect(parseReefName('a.b.8443.l2-p1.l1-eu.l0.reef.localhost', Z)).toEqual({ originHost: 'a.b', port: 8443, cluster: { l1: 'eu', l2: 'p1' } });
    expect(parseReefName('a.l1-eu.l0.reef.localhost', Z)).toEqual({ originHost: 'a', cluster: { l1: 'eu' } });
    // Not origins: outside the zone, the apex, structure names, invalid labels, bad ports.
    for (const n of ['example.com', 'reef.localhost', 'xreef.localhost', 'l0.reef.localhost', 'l1-eu.l0.reef.localhost', 'ns-abc.reef.localhost', 'a_b.reef.localhost', '-a.reef.localhost', 'a.65536.reef.localhost', 'a.l0.reef.localhost', '8000.reef.localhost', '1.2.3.4.reef.localhost', 'a.1.2.3.4.80.reef.localhost', 'a.reef.localhost.reef.localhost', 'reef.localhost.8080.reef.localhost'])
      expect([n, parseReefName(n, Z)]).toEqual([n, null]);
  });

  it('classifies structure names', () => {
    expect(classifyName('reef.localhost', Z)).toEqual({ kind: 'apex' });
    expect(classifyName('ns-seed1.reef.localhost', Z)).toEqual({ kind: 'nameserver', seedLabel: 'seed1' });
    expect(classifyName('l2-x.l1-y.l0.reef.localhost', Z)).toEqual({ kind: 'cluster-apex', cluster: { l1: 'y', l2: 'x' } });
    expect(classifyName('foo.example', Z)).toBeNull();
  });

  it('format and parse are inverse for any valid origin, port and cluster', () => {
    const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/).filter((l) => !/^\d+$/.test(l) && l !== 'l0');
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), fc.option(fc.record({ l1: fc.stringMatching(/^[a-z0-9]{1,20}$/), l2: fc.option(fc.stringMatching(/^[a-z0-9]{1,20}$/), { nil: undefined }) }), { nil: undefined }), (labels, port, cluster) => {
        const c = cluster && (cluster.l2 ? cluster : { l1: cluster.l1 });
        const name = { originHost: labels.join('.'), ...(port ? { port } : {}), ...(c ? { cluster: c } : {}) };
        if (labels.length === 1 && /^ns-/.test(labels[0]) && !c) return;
        expect(parseReefName(formatReefName(name, Z), Z)).toEqual(name);
      }),
    );
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => void classifyName(`${s}.reef.localhost`, Z)), { numRuns: 5000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => void parseReefName(s, Z)), { numRuns: 5000 });
  });
});
