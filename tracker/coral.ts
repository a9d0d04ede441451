// Plugging the tracker into the Coral index (shared/index/node.ts): the index as ContentIndex, and
// signal relay between trackers over the index's authenticated application RPCs. A seed runs its
// tracker with `self.id` = its CoralNode id in hex, so an index value names a node we can reach.
import { z } from 'zod';
import { hexToId, idEquals, idToHex } from '../shared/index/id';
import type { CoralNode } from '../shared/index/node';
import { clientSchemas, peerIdSchema, trackerRefSchema, type TrackerRef } from '../shared/tracker/protocol';
import type { ContentIndex } from './content-index';
import type { RelayedSignal, SignalRelay, SignalSink } from './signal-relay';

export const SIGNAL_COMMAND = 'reef.tracker.signal';

export function coralContentIndex(node: Pick<CoralNode, 'put' | 'get' | 'remove'>): ContentIndex {
  return {
    put: async (key, value, ttlMs) => void (await node.put(key, value, ttlMs)),
    get: async (key) => (await node.get(key)).values,
    remove: async (key, value) => void (await node.remove(key, value)),
  };
}

const relayedSchema = z.object({
  from: peerIdSchema,
  fromTracker: trackerRefSchema,
  to: peerIdSchema,
  sid: clientSchemas.signal.shape.sid,
  data: clientSchemas.signal.shape.data,
});
const enc = new TextEncoder();
const dec = new TextDecoder();
const DELIVERED = Uint8Array.of(1);
const NOT_DELIVERED = Uint8Array.of(0);

/** Relays a signal to the tracker on another seed through that seed's CoralNode. */
export class CoralSignalRelay implements SignalRelay {
  constructor(private readonly node: Pick<CoralNode, 'nodes' | 'request'>) {}

  async relay(toTracker: TrackerRef, message: RelayedSignal): Promise<boolean> {
    const id = hexToId(toTracker.id);
    if (!id) return false;
    // The index's routing table knows the node (it announced to us or we met it in lookups).
    const contact = this.node.nodes(0, 1, id)[0];
    if (!contact || !idEquals(contact.id, id)) return false;
    try {
      const reply = await this.node.request(contact, SIGNAL_COMMAND, enc.encode(JSON.stringify(message)));
      return reply.length === 1 && reply[0] === 1;
    } catch {
      return false; // timeout or refusal: the signal is undeliverable, never an exception
    }
  }
}

/** Accepts relayed signals for `sink` on `node`; the sender must be the tracker it claims to be. */
export function serveCoralSignals(node: Pick<CoralNode, 'handle'>, sink: SignalSink): void {
  node.handle(SIGNAL_COMMAND, (from, payload) => {
    let raw: unknown;
    try {
      raw = JSON.parse(dec.decode(payload));
    } catch {
      return NOT_DELIVERED;
    }
    const parsed = relayedSchema.safeParse(raw);
    if (!parsed.success || parsed.data.fromTracker.id !== idToHex(from.id)) return NOT_DELIVERED;
    return sink.acceptRelayedSignal(parsed.data) ? DELIVERED : NOT_DELIVERED;
  });
}
