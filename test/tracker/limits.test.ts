// Limits over real sockets: rate, size, announced objects, idle timeout, abuse; TTLs on a manual clock.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock';
import { client, closeAll, peerId, server, sri, until } from './helpers';

afterEach(closeAll);

describe('tracker limits', () => {
  it('rate-limits a chatty connection with an error reply and a counter', async () => {
    // A manual clock that never moves: no refill, so the count is exact however slow the machine.
    const s = await server({ clock: new ManualClock(), config: { messagesPerSec: 5, messageBurst: 5 } });
    const c = await client(s.url, 'a'); // hello took one token
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => c.heartbeat()));
    const limited = results.filter((r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'rate-limited');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    expect(limited).toHaveLength(6);
    expect(s.tracker.metrics.rateLimited).toBe(6);
  });

  it('answers an oversized frame with too-large, and cuts off a huge one at the socket', async () => {
    const s = await server({ config: { maxMessageBytes: 1024 } });
    const c = await client(s.url, 'a');
    await expect(c.lookup('x'.repeat(2000))).rejects.toMatchObject({ code: 'too-large' });
    await expect(c.heartbeat()).resolves.toMatchObject({ type: 'heartbeat-ack' }); // still served
    c.sendRaw('y'.repeat(10_000));
    expect((await c.closed).code).toBe(1009);
    expect(s.tracker.metrics.tooLarge).toBe(2);
  });

  it('caps announced objects per peer, all or nothing', async () => {
    const s = await server({ config: { maxObjectsPerPeer: 3 } });
    const c = await client(s.url, 'a');
    const objs = [sri('1'), sri('2'), sri('3'), sri('4')];
    await expect(c.announce(objs.map((integrity) => ({ integrity })))).rejects.toMatchObject({ code: 'too-many-objects' });
    expect(await c.announce(objs.slice(0, 3).map((integrity) => ({ integrity })))).toMatchObject({ total: 3 });
    expect(await c.announce([{ integrity: objs[0] }])).toMatchObject({ total: 3 }); // re-announce is fine
    await expect(c.announce([{ integrity: objs[3] }])).rejects.toMatchObject({ code: 'too-many-objects' });
    const other = await client(s.url, 'b');
    expect((await other.lookup(objs[3])).peers).toEqual([]);
  });

  it('closes idle connections but keeps ones that heartbeat', async () => {
    const clock = new ManualClock();
    const s = await server({ clock, config: { idleTimeoutMs: 1_000, tickMs: 100 } });
    const idle = await client(s.url, 'idle');
    const busy = await client(s.url, 'busy');
    await busy.announce([{ integrity: sri('kept') }]);
    clock.advance(600);
    await busy.heartbeat();
    clock.advance(600); // idle: 1200 ms silent; busy: 600 ms
    expect((await idle.closed).code).toBe(4000);
    expect(s.tracker.sessionCount).toBe(1);
    expect(s.tracker.metrics.idleClosed).toBe(1);
    await expect(busy.heartbeat()).resolves.toMatchObject({ objects: 1 });
  });

  it('disconnects a client that keeps sending garbage (abuse), and counts it', async () => {
    const s = await server({ config: { maxStrikes: 5 } });
    const bad = await client(s.url, 'bad');
    const errors: string[] = [];
    bad.onError = (m) => errors.push(m.code);
    for (let i = 0; i < 10; i++) bad.sendRaw(i % 2 ? '{"type":"lookup"}' : 'not json');
    expect((await bad.closed).code).toBe(4001);
    expect(errors.slice(0, 2)).toEqual(['bad-json', 'bad-message']);
    expect(s.tracker.metrics.abuseClosed).toBe(1);
    expect(s.tracker.metrics.malformed['bad-json']).toBeGreaterThanOrEqual(3);
    const good = await client(s.url, 'good');
    await expect(good.heartbeat()).resolves.toMatchObject({ objects: 0 });
  });

  it('an occasional bad frame is forgiven: strikes refill over time', async () => {
    const clock = new ManualClock();
    const s = await server({ clock, config: { maxStrikes: 3, strikeRefillMs: 1_000, idleTimeoutMs: 1e9 } });
    const c = await client(s.url, 'clumsy');
    for (let i = 0; i < 20; i++) {
      await expect(c.lookup('not an sri')).rejects.toMatchObject({ code: 'bad-message' });
      clock.advance(1_000);
    }
    await expect(c.heartbeat()).resolves.toMatchObject({ type: 'heartbeat-ack' });
    for (let i = 0; i < 4; i++) c.sendRaw('junk'); // a burst beyond the budget still disconnects
    expect((await c.closed).code).toBe(4001);
  });

  it('announcements expire after their TTL unless heartbeats refresh them', async () => {
    const clock = new ManualClock();
    const s = await server({ clock, config: { announceTtlMs: 1_000, refreshAfterMs: 500, idleTimeoutMs: 1e9 } });
    const [kept, lapsed, asker] = [await client(s.url, 'kept'), await client(s.url, 'lapsed'), await client(s.url, 'asker')];
    const obj = sri('ttl');
    await kept.announce([{ integrity: obj }]);
    await lapsed.announce([{ integrity: obj }]);
    clock.advance(600);
    await kept.heartbeat(); // older than refreshAfterMs: re-put, expires at 1600
    clock.advance(600); // t = 1200: lapsed expired at 1000
    expect((await asker.lookup(obj)).peers.map((p) => p.peerId)).toEqual([peerId('kept')]);
    clock.advance(1_000);
    expect((await asker.lookup(obj)).peers).toEqual([]);
  });
});
