// The HTTP relay endpoint faces the network too: fuzz it with bodies that pass the MAC (a peer
// tracker gone wrong) and with forged ones. It must answer every request and keep serving.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { RELAY_PATH } from '../../tracker/http-relay';
import { closeAll, server } from './helpers';

afterEach(closeAll);

const SECRET = 'fuzz-secret';
const signedPost = (url: string, body: string, mac?: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'x-reef-relay-mac': mac ?? createHmac('sha256', SECRET).update(body).digest('hex') },
    body,
  });

describe('relay endpoint fuzz', () => {
  it('answers malformed relay requests with 4xx and stays up', async () => {
    const s = await server({ relaySecret: SECRET });
    const url = `http://${s.tracker.self.addr}${RELAY_PATH}`;
    const body = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.json(),
      fc.record({ ts: fc.oneof(fc.constant(Date.now()), fc.anything()), msg: fc.anything() }).map((o) => JSON.stringify(o) ?? ''),
      fc.record({
        ts: fc.constant(Date.now()),
        msg: fc.record({ from: fc.string(), fromTracker: fc.anything(), to: fc.string(), sid: fc.string(), data: fc.anything() }),
      }).map((o) => JSON.stringify(o)),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (b, forge) => {
        const res = await signedPost(url, b, forge ? 'ab'.repeat(32) : undefined);
        expect([400, 401]).toContain(res.status);
        await res.arrayBuffer();
      }),
      { numRuns: 200 },
    );
    const big = await signedPost(url, 'x'.repeat(200_000)).catch(() => null);
    if (big) expect(big.status).toBe(413);
    // still serving: a well-formed relay to an unknown peer is answered delivered: false
    const ok = await signedPost(url, JSON.stringify({
      ts: Date.now(),
      msg: { from: 'peer-remote', fromTracker: { id: 'cd'.repeat(20), addr: '127.0.0.1:1' }, to: 'peer-nobody', sid: 's', data: { kind: 'end-of-candidates' } },
    }));
    expect(await ok.json()).toEqual({ delivered: false });
    const stale = await signedPost(url, JSON.stringify({
      ts: Date.now() - 120_000,
      msg: { from: 'peer-remote', fromTracker: { id: 'cd'.repeat(20), addr: '127.0.0.1:1' }, to: 'peer-nobody', sid: 's', data: { kind: 'end-of-candidates' } },
    }));
    expect(stale.status).toBe(401);
  });
});
