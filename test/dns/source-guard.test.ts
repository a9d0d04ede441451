// Per-source keys and limits of the UDP source guard.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock';
import { DNS_DEFAULTS } from '../../seed-node/dns/defaults';
import { SourceGuard, sourceKey } from '../../seed-node/dns/source-guard';

describe('sourceKey', () => {
  it('an IPv4 address is its own key, also when IPv4-mapped', () => {
    expect(sourceKey('192.0.2.7')).toBe('192.0.2.7');
    expect(sourceKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
  });

  it('an IPv6 address is keyed by its /64, however Node compressed it', () => {
    expect(sourceKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2');
    expect(sourceKey('2001:db8:1:2::6')).toBe('2001:db8:1:2');
    // The zero run inside the /64: every host of 2001:db8::/64 shares one key.
    expect(sourceKey('2001:db8::1')).toBe('2001:db8:0:0');
    expect(sourceKey('2001:db8::abcd:1')).toBe('2001:db8:0:0');
    expect(sourceKey('2001:db8::1:2:3:4')).toBe('2001:db8:0:0');
    expect(sourceKey('2001:db8::5:1:2:3:4')).toBe('2001:db8:0:5');
    expect(sourceKey('::1')).toBe('0:0:0:0');
    expect(sourceKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0');
    expect(sourceKey('::1:2:3:4:5:192.0.2.1')).toBe('0:1:2:3');
  });
});

describe('SourceGuard', () => {
  it('one bucket per IPv6 /64: a host hopping addresses within it gets no extra budget', () => {
    const guard = new SourceGuard(new ManualClock(), { ...DNS_DEFAULTS, rrlBurst: 3, rrlResponsesPerSec: 1, rrlSlip: 0 });
    const decisions = Array.from({ length: 6 }, (_, i) => guard.rate(`2001:db8::${i + 1}`));
    expect(decisions).toEqual(['send', 'send', 'send', 'drop', 'drop', 'drop']);
    expect(guard.rate('2001:db8:0:1::1')).toBe('send');
  });
});
