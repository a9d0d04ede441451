// The tracker writes its replies as whole frames itself (ws-front.ts textFrame): a real ws receiver,
// as a browser-side client would run it, must read each back as the same text, at every header size.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { textFrame } from '../../tracker/ws-front';

// ws's Receiver is exported by its CommonJS entry but not typed.
const { Receiver } = createRequire(import.meta.url)('ws') as { Receiver: new (o: object) => NodeJS.EventEmitter & { write(b: Buffer): void } };

function receive(frames: (string | Buffer)[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const got: string[] = [];
    const r = new Receiver({ isServer: false, maxPayload: 0, skipUTF8Validation: false });
    r.on('message', (data: Buffer, isBinary: boolean) => {
      expect(isBinary).toBe(false);
      got.push(data.toString('utf8'));
      if (got.length === frames.length) resolve(got);
    });
    r.on('error', reject);
    for (const f of frames) r.write(typeof f === 'string' ? Buffer.from(f, 'latin1') : f);
  });
}

describe('textFrame', () => {
  it('is read back by ws as the same text for 7-bit, 16-bit and 64-bit lengths, ASCII (a string) and multi-byte UTF-8 (a buffer)', async () => {
    const texts = ['', 'a', 'x'.repeat(125), 'y'.repeat(126), 'é'.repeat(63), 'é'.repeat(64), '😀'.repeat(16_383), 'z'.repeat(65_535), 'w'.repeat(65_536), '{"type":"peers","id":7}'];
    const frames = texts.map(textFrame);
    expect(frames.map((f) => typeof f)).toContain('string');
    expect(frames.map((f) => typeof f)).toContain('object');
    expect(await receive(frames)).toEqual(texts);
  });
});
