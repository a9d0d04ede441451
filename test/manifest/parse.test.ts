import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManifestError, normalizePath, parseManifest, serializeManifest, type ManifestErrorCode } from '../../shared/manifest';
import { sampleManifest, sri } from './fixtures';

function expectError(input: string, code: ManifestErrorCode, where?: string): ManifestError {
  try {
    parseManifest(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    const err = e as ManifestError;
    expect(err.code, err.message).toBe(code);
    if (where !== undefined) expect(err.where).toBe(where);
    return err;
  }
  throw new Error(`expected ${code}, but the manifest parsed`);
}

const withObjects = (objects: string) => `{"version":1,"origin":"https://example.com","objects":${objects}}`;
const H = sri('x');

describe('parseManifest', () => {
  it('parses a valid manifest and round-trips through serializeManifest', () => {
    const m = sampleManifest();
    const parsed = parseManifest(serializeManifest(m));
    expect(parsed).toEqual(m);
    expect(parseManifest(new TextEncoder().encode(serializeManifest(parsed)))).toEqual(m);
  });

  it('rejects malformed JSON with a line and column', () => {
    const err = expectError('{"version":1,\n "origin": }', 'bad-json');
    expect(err.line).toBe(2);
  });

  it('rejects unknown versions, fields and a missing objects map', () => {
    expectError('{"version":2,"origin":"https://a.b","objects":{}}', 'unsupported-version', '/version');
    expectError('{"version":"1","origin":"https://a.b","objects":{}}', 'unsupported-version');
    expectError('{"version":1,"origin":"https://a.b","objects":{},"extra":1}', 'unknown-field', '/extra');
    expectError('{"version":1,"origin":"https://a.b"}', 'bad-structure', '/objects');
    expectError('[]', 'bad-structure');
  });

  it('rejects origins that are not bare http(s) origins', () => {
    for (const o of ['https://a.b/', 'https://a.b/path', 'ftp://a.b', 'not a url', 'https://A.B']) {
      expectError(`{"version":1,"origin":${JSON.stringify(o)},"objects":{}}`, 'bad-origin', '/origin');
    }
  });

  it('rejects duplicate keys, at the duplicate', () => {
    const err = expectError(withObjects(`{"/a":{"size":1,"type":"text/plain","integrity":"${H}"},"/a":{"size":1,"type":"text/plain","integrity":"${H}"}}`), 'duplicate-key', '/objects/~1a');
    expect(err.message).toMatch(/line 1/);
    expectError(`{"version":1,"version":1,"origin":"https://a.b","objects":{}}`, 'duplicate-key', '/version');
  });

  it('rejects paths that are not canonical, naming the canonical form', () => {
    const obj = `{"size":1,"type":"text/plain","integrity":"${H}"}`;
    expect(expectError(withObjects(`{"/a/../b":${obj}}`), 'path-not-normalized').message).toContain('"/b"');
    expectError(withObjects(`{"/a b":${obj}}`), 'path-not-normalized');
    expectError(withObjects(`{"/%7euser":${obj}}`), 'path-not-normalized');
    expectError(withObjects(`{"/a//b":${obj}}`), 'path-not-normalized');
    expectError(withObjects(`{"a":${obj}}`), 'bad-path');
    expectError(withObjects(`{"/a?x=1":${obj}}`), 'bad-path');
    expectError(withObjects(`{"/a\\\\b":${obj}}`), 'bad-path');
    expectError(withObjects(`{"//evil.com/x":${obj}}`), 'bad-path');
  });

  it('rejects bad hashes, sizes, types and chunk lists precisely', () => {
    const o = (fields: string) => withObjects(`{"/f":{${fields}}}`);
    expectError(o(`"size":1,"type":"text/plain","integrity":"sha256-abc"`), 'bad-integrity', '/objects/~1f/integrity');
    expectError(o(`"size":1,"type":"text/plain","integrity":"sha384-${'A'.repeat(64)}"`), 'unsupported-hash');
    expectError(o(`"size":1,"type":"text/plain","integrity":"${H} ${H}"`), 'bad-integrity');
    expectError(o(`"size":-1,"type":"text/plain","integrity":"${H}"`), 'bad-size');
    expectError(o(`"size":1.5,"type":"text/plain","integrity":"${H}"`), 'bad-size');
    expectError(o(`"size":1,"type":"text","integrity":"${H}"`), 'bad-type');
    expectError(o(`"size":1,"type":"text/plain","integrity":"${H}","etag":"x"`), 'unknown-field');
    expectError(o(`"size":40000,"type":"text/plain","integrity":"${H}","chunkSize":16384,"chunks":["${H}"]`), 'bad-chunks', '/objects/~1f/chunks');
    expectError(o(`"size":40000,"type":"text/plain","integrity":"${H}","chunkSize":100,"chunks":["${H}"]`), 'bad-chunks', '/objects/~1f/chunkSize');
    expectError(o(`"size":40000,"type":"text/plain","integrity":"${H}","chunks":["${H}"]`), 'bad-chunks');
    expectError(o(`"size":40000,"type":"text/plain","integrity":"${H}","chunkSize":16384,"chunks":["${H}","${H}","bad"]`), 'bad-integrity', '/objects/~1f/chunks/2');
    expectError(o(`"size":${64 * 2 ** 20},"type":"video/mp4","integrity":"${H}"`), 'bad-chunks');
  });

  it('rejects oversized input before parsing it', () => {
    expectError(' '.repeat(33 * 1024 * 1024), 'too-large');
  });

  it('rejects malformed signatures', () => {
    const base = `"version":1,"origin":"https://a.b","objects":{}`;
    expectError(`{${base},"signature":{"alg":"rsa","publicKey":"x","value":"y"}}`, 'bad-signature', '/signature/alg');
    expectError(`{${base},"signature":{"alg":"ed25519","publicKey":"short","value":"y"}}`, 'bad-signature', '/signature/publicKey');
  });

  it('fuzz: arbitrary bytes and JSON never escape as anything but ManifestError', () => {
    const check = (input: string | Uint8Array) => {
      try {
        parseManifest(input);
      } catch (e) {
        if (!(e instanceof ManifestError)) throw e;
      }
    };
    fc.assert(fc.property(fc.string(), check), { numRuns: 500 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 500 });
    fc.assert(fc.property(fc.jsonValue(), (v) => check(JSON.stringify(v))), { numRuns: 500 });
  });

  it('fuzz: single-character mutations of a valid manifest parse or fail with a ManifestError', () => {
    const text = serializeManifest(sampleManifest());
    fc.assert(
      fc.property(fc.nat(text.length - 1), fc.string({ minLength: 1, maxLength: 1 }), (pos, ch) => {
        const mutated = text.slice(0, pos) + ch + text.slice(pos + 1);
        try {
          const m = parseManifest(mutated);
          expect(m.version).toBe(1); // whatever survived is still a well-typed manifest
        } catch (e) {
          expect(e).toBeInstanceOf(ManifestError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('property: every canonical path is a fixed point of normalizePath and parses as a key', () => {
    const segment = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), (segs) => {
        const path = normalizePath('/' + segs.map(encodeURIComponent).join('/'));
        if (path === null) return;
        expect(normalizePath(path)).toBe(path);
        parseManifest(withObjects(JSON.stringify({ [path]: { size: 1, type: 'text/plain', integrity: H } })));
      }),
      { numRuns: 300 },
    );
  });
});
