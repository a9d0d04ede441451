// The proxy's pure parts: names, index values, caching rules, ranges, address checks, quotas — with fuzzing
// for everything that reads network input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock';
import { isForbiddenAddress } from '../../seed-node/proxy/address-guard';
import { indexKeyOf, normalizedUrl } from '../../seed-node/proxy/cache-key';
import { freshnessMs, isStorable, parseCacheControl, storableHeaders, variantSuffix, varyNames } from '../../seed-node/proxy/cache-policy';
import { decodePointer, encodePointer, type ProxyPointer } from '../../seed-node/proxy/index-value';
import { hostOfHeader, parseOriginName } from '../../seed-node/proxy/host-name';
import { QuotaTable } from '../../seed-node/proxy/quotas';
import { RequestTargets } from '../../seed-node/proxy/request-target';
import { parseRange } from '../../seed-node/proxy/respond';

const Z = 'reef.example.org';

describe('request targets', () => {
  it('remembers what it resolved without changing any answer, also past its bound', () => {
    const memo = new RequestTargets(Z, true, 8);
    const fresh = () => new RequestTargets(Z, true);
    const asked: Array<[string | undefined, string]> = [];
    for (let i = 0; i < 40; i++) asked.push([`O${i % 3}.example.${8000 + (i % 5)}.${Z}`, `/p/${i % 7}/../x${i % 4}?b=1&a=${i % 2}`]);
    asked.push([`localhost.${Z}`, '//double'], [undefined, '/x'], [`other.example.org`, '/x'], ['ignored', `http://a.b.${Z}/y`], ['ignored', 'http://evil.example/']);
    const outcome = (t: RequestTargets, h: string | undefined, u: string) => {
      try {
        return t.resolve(h, u);
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    for (let round = 0; round < 3; round++)
      for (const [h, u] of asked) expect(outcome(memo, h, u)).toEqual(outcome(fresh(), h, u));
    expect(outcome(memo, `localhost.8000.${Z}`, '/a')).toMatchObject({ url: 'http://localhost:8000/a', site: 'http://localhost:8000' });
    expect(outcome(memo, `localhost.${Z}`, '//double')).toBe('bad-path');
    expect(outcome(memo, 'ignored', 'http://evil.example/')).toBe('open-proxy-refused');
    expect(memo.underZone(`O1.example.8001.${Z}`)).toBe(true);
    expect(memo.underZone('other.example.org')).toBe(false);
  });
});

describe('host names', () => {
  it('reads <origin-host>[.<port>].<zone>', () => {
    expect(parseOriginName(`localhost.8000.${Z}`, Z)).toEqual({ host: 'localhost', port: 8000 });
    expect(parseOriginName(`www.example.com.${Z}`, Z)).toEqual({ host: 'www.example.com', port: null });
    expect(parseOriginName(`127.0.0.1.8080.${Z}`, Z)).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseOriginName(`8000.${Z}`, Z)).toBeNull(); // no TLD is numeric
    expect(parseOriginName(`example.com.l1-abc.l0.${Z}`, Z)).toEqual({ host: 'example.com', port: null }); // a cluster name
    expect(parseOriginName(`a.70000.${Z}`, Z)).toBeNull();
    expect(parseOriginName(`a.0.${Z}`, Z)).toBeNull();
    expect(parseOriginName(Z, Z)).toBeNull();
    expect(parseOriginName(`x.${Z}.${Z}`, Z)).toBeNull();
    expect(parseOriginName('example.com', Z)).toBeNull();
    expect(hostOfHeader(`WWW.Example.COM.${Z}.:8470`)).toBe(`www.example.com.${Z}`);
    expect(hostOfHeader('[::1]:80')).toBeNull();
  });

  it('never throws on arbitrary Host headers, and what it accepts round-trips', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const h = hostOfHeader(s);
        const n = h === null ? null : parseOriginName(h, Z);
        if (n) {
          const again = parseOriginName(`${n.host}${n.port === null ? '' : '.' + n.port}.${Z}`, Z);
          expect(again).toEqual(n);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('index values', () => {
  const pointer = fc.record({
    state: fc.constantFrom<ProxyPointer['state']>('held', 'fetching'),
    id: fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/),
    addr: fc.tuple(fc.constantFrom('127.0.0.1', 'seed-a.example', '[::1]'), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`),
  });

  it('round-trips', () => {
    fc.assert(
      fc.property(pointer, (p) => {
        expect(decodePointer(encodePointer(p))).toEqual(p);
      }),
    );
  });

  it('drops garbage: random bytes and every truncation or bit flip of a valid value', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        const p = decodePointer(b);
        if (p) expect(encodePointer(p)).toEqual(b);
      }),
      { numRuns: 5000 },
    );
    const valid = encodePointer({ state: 'held', id: 'seed1', addr: '127.0.0.1:8470' });
    for (let n = 0; n < valid.length; n++) expect(decodePointer(valid.subarray(0, n))).toBeNull();
    for (let i = 0; i < valid.length * 8; i++) {
      const b = valid.slice();
      b[i >> 3] ^= 1 << (i & 7);
      const p = decodePointer(b);
      if (p) expect(encodePointer(p)).toEqual(b);
    }
  });
});

describe('cache keys', () => {
  const t = { scheme: 'https' as const, host: 'example.com', port: 443 };
  it('normalizes the URL and keys it by 20 bytes of SHA-256', () => {
    expect(normalizedUrl(t, '/a/./b/../%7ec?x=1#frag')?.url).toBe('https://example.com/a/~c?x=1');
    expect(normalizedUrl({ ...t, scheme: 'http', port: 8000 }, '/')?.url).toBe('http://example.com:8000/');
    expect(normalizedUrl(t, 'relative')).toBeNull();
    expect(indexKeyOf('https://example.com/').length).toBe(20);
    expect(Buffer.from(indexKeyOf('https://example.com/')).toString('hex')).toBe('0f115db062b7c0dd030b16878c99dea5c354b49d' /* sha256sum, first 20 bytes */);
  });
  it('never throws on arbitrary request targets', () => {
    fc.assert(fc.property(fc.string({ maxLength: 500 }), (s) => void normalizedUrl(t, '/' + s)), { numRuns: 3000 });
  });
});

describe('caching rules', () => {
  it('computes freshness: s-maxage, max-age, Expires, no-cache, default', () => {
    const d = 12 * 3600_000;
    expect(freshnessMs({ 'cache-control': 'max-age=60, s-maxage=10' }, d)).toBe(10_000);
    expect(freshnessMs({ 'cache-control': 'public, max-age=60' }, d)).toBe(60_000);
    expect(freshnessMs({ expires: 'Thu, 01 Jan 2026 00:01:00 GMT', date: 'Thu, 01 Jan 2026 00:00:00 GMT' }, d)).toBe(60_000);
    expect(freshnessMs({ expires: '0' }, d)).toBe(0);
    expect(freshnessMs({ 'cache-control': 'no-cache, max-age=600' }, d)).toBe(0);
    expect(freshnessMs({}, d)).toBe(d);
    expect(isStorable(200, { 'cache-control': 'private' })).toBe(false);
    expect(isStorable(200, { vary: '*' })).toBe(false);
    expect(isStorable(404, {})).toBe(false);
    expect(varyNames({ vary: 'Accept-Language, accept-language,Origin' })).toEqual(['accept-language', 'origin']);
    expect(variantSuffix(['cookie'], { cookie: 'a=b' })).toBe('\ncookie:');
    expect(storableHeaders({ 'set-cookie': ['a=1'], connection: 'close', etag: '"x"' })).toEqual({ etag: '"x"' });
  });
  it('never throws on arbitrary header values', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 60 }), (cc, exp) => {
        parseCacheControl(cc);
        const f = freshnessMs({ 'cache-control': cc, expires: exp }, 1000);
        expect(f).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('ranges', () => {
  it('parses single byte ranges', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual([0, 9]);
    expect(parseRange('bytes=90-', 100)).toEqual([90, 99]);
    expect(parseRange('bytes=-5', 100)).toEqual([95, 99]);
    expect(parseRange('bytes=50-500', 100)).toEqual([50, 99]);
    expect(parseRange('bytes=100-', 100)).toBe('bad');
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(parseRange('items=0-1', 100)).toBeNull();
  });
  it('always yields a range inside the object, or none', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `bytes=${a}-${b}`)), fc.integer({ min: 0, max: 1e6 }), (h, size) => {
        const r = parseRange(h, size);
        if (Array.isArray(r)) {
          expect(r[0]).toBeGreaterThanOrEqual(0);
          expect(r[1]).toBeLessThan(size);
          expect(r[0]).toBeLessThanOrEqual(r[1]);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('address guard', () => {
  it('refuses private, loopback, link-local and reserved addresses', () => {
    for (const ip of ['10.0.0.1', '127.0.0.1', '169.254.169.254', '172.16.5.4', '192.168.0.1', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::', 'not-an-ip'])
      expect(isForbiddenAddress(ip), ip).toBe(true);
    for (const ip of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isForbiddenAddress(ip), ip).toBe(false);
  });
});

describe('quotas', () => {
  it('refills with time and forgets the least recently seen key past its bound', () => {
    const clock = new ManualClock();
    const q = new QuotaTable(clock, 2, 4, 2);
    for (let i = 0; i < 4; i++) expect(q.take('a')).toBe(true);
    expect(q.take('a')).toBe(false);
    clock.advance(500);
    expect(q.take('a')).toBe(true);
    expect(q.take('a')).toBe(false);
    q.charge('b', 10);
    expect(q.hasCredit('b')).toBe(false);
    clock.advance(3000);
    expect(q.hasCredit('b')).toBe(false); // -6 + 6 = 0: still no credit
    clock.advance(1000);
    expect(q.hasCredit('b')).toBe(true);
    q.take('c'); // table holds two keys: 'a' is forgotten and starts afresh
    for (let i = 0; i < 4; i++) expect(q.take('a')).toBe(true);
  });
});
