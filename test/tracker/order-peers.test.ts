import { describe, expect, it } from 'vitest';
import { clusterOf, orderPeers } from '../../tracker/order-peers';

const asker = { peerId: 'me', trackerId: 'T1', cluster: 'eu', rttMs: new Map([['us', 80], ['asia', 200], ['eu', 10]]) };
const c = (peerId: string, trackerId: string, cluster: string) => ({ peerId, tracker: { id: trackerId }, cluster });

describe('orderPeers (nearest cluster first)', () => {
  it('puts same tracker first, then same cluster, then known clusters by RTT, then the rest', () => {
    const out = orderPeers(
      [c('x', 'T9', 'mars'), c('a', 'T2', 'asia'), c('u', 'T3', 'us'), c('e', 'T4', 'eu'), c('l', 'T1', 'asia')],
      asker,
      10,
    );
    expect(out.map((p) => p.peerId)).toEqual(['l', 'e', 'u', 'a', 'x']);
  });
  it('never returns the asker and honours max', () => {
    const out = orderPeers([c('me', 'T1', 'eu'), c('b', 'T1', 'eu'), c('d', 'T2', 'eu')], asker, 1);
    expect(out.map((p) => p.peerId)).toEqual(['b']);
    expect(orderPeers([c('me', 'T1', 'eu')], asker, 5)).toEqual([]);
  });
  it('keeps input order among equals', () => {
    const out = orderPeers([c('p1', 'T2', 'mars'), c('p2', 'T3', 'mars'), c('p3', 'T4', 'mars')], asker, 3);
    expect(out.map((p) => p.peerId)).toEqual(['p1', 'p2', 'p3']);
  });
  it('derives a browser cluster from its lowest RTT, else falls back', () => {
    expect(clusterOf([{ seed: 'a', rttMs: 50 }, { seed: 'b', rttMs: 5 }], 'T')).toBe('b');
    expect(clusterOf([], 'T')).toBe('T');
  });
});
