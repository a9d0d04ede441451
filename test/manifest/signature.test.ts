import { describe, expect, it } from 'vitest';
import { checkSignature, decideTrust, generateKeyPair, ManifestError, parseManifest, serializeManifest, signManifest, type Manifest } from '../../shared/manifest';
import { sampleManifest, sri } from './fixtures';

const NOW = Date.parse('2026-06-01T00:00:00Z');

function signed(extra: Partial<Manifest> = {}, key = generateKeyPair()) {
  return { key, manifest: signManifest({ ...sampleManifest(), serial: 10, issued: '2026-05-01T00:00:00Z', expires: '2026-07-01T00:00:00Z', ...extra }, key) };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    return (e as ManifestError).code;
  }
  return 'ok';
}

describe('manifest signatures', () => {
  it('a signed manifest survives serialization and checks', () => {
    const { manifest } = signed();
    const reparsed = parseManifest(serializeManifest(manifest));
    expect(() => checkSignature(reparsed)).not.toThrow();
  });

  it('any change to a signed field breaks the signature', () => {
    const { manifest } = signed();
    const tampered = structuredClone(manifest);
    tampered.objects['/index.html'].integrity = sri('evil');
    expect(code(() => checkSignature(tampered))).toBe('signature-mismatch');
    expect(code(() => checkSignature({ ...manifest, serial: 11 }))).toBe('signature-mismatch');
    expect(code(() => checkSignature({ ...manifest, signature: { ...manifest.signature!, publicKey: generateKeyPair().publicKey } }))).toBe('signature-mismatch');
    expect(code(() => checkSignature(sampleManifest()))).toBe('bad-signature');
  });
});

describe('key trust path', () => {
  it('a manifest from the origin pins its key and next keys', () => {
    const next = generateKeyPair();
    const { manifest, key } = signed({ nextKeys: [next.publicKey] });
    const { pin } = decideTrust(manifest, { source: 'origin', origin: 'https://example.com', nowMs: NOW });
    expect(pin?.keys).toEqual([key.publicKey, next.publicKey]);
    expect(pin?.serial).toBe(10);
  });

  it('a relayed manifest needs a pinned key, freshness and a serial not older than seen', () => {
    const next = generateKeyPair();
    const { manifest, key } = signed({ nextKeys: [next.publicKey] });
    const { pin } = decideTrust(manifest, { source: 'origin', origin: 'https://example.com', nowMs: NOW });
    const relay = (m: Manifest, nowMs = NOW) => code(() => decideTrust(m, { source: 'relay', origin: 'https://example.com', pin, nowMs }));

    expect(relay(manifest)).toBe('ok');
    expect(relay(signed({ serial: 11 }, key).manifest)).toBe('ok');
    expect(relay(signed({ serial: 12 }, next).manifest)).toBe('ok'); // rotation to an announced key
    expect(relay(signed({ serial: 12 }).manifest)).toBe('untrusted-key');
    expect(relay(signed({ serial: 9 }, key).manifest)).toBe('expired');
    expect(relay(manifest, Date.parse('2026-08-01T00:00:00Z'))).toBe('expired');
    expect(relay(sampleManifest())).toBe('untrusted-key');
    expect(code(() => decideTrust(manifest, { source: 'relay', origin: 'https://example.com', pin: null, nowMs: NOW }))).toBe('untrusted-key');
    expect(code(() => decideTrust(manifest, { source: 'relay', origin: 'https://other.example', pin, nowMs: NOW }))).toBe('origin-mismatch');
  });

  it('an unsigned manifest from the origin drops the pin; a bad signature is refused even from the origin', () => {
    expect(decideTrust(sampleManifest(), { source: 'origin', origin: 'https://example.com', nowMs: NOW }).pin).toBeNull();
    const { manifest } = signed();
    const bad = { ...manifest, serial: 99 };
    expect(code(() => decideTrust(bad, { source: 'origin', origin: 'https://example.com', nowMs: NOW }))).toBe('signature-mismatch');
  });
});
