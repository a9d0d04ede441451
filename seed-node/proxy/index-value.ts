// What a seed proxy puts in the Coral index under a URL's key: "seed <id> at <host:httpPort> holds / is fetching it".
// Wire form (version 1): [1][state: 0 held, 1 fetching][idLen u8][id utf-8][addrLen u8][addr utf-8].
// Values come from other nodes, so decode() validates everything and returns null for garbage.

export type PointerState = 'held' | 'fetching';

export interface ProxyPointer {
  state: PointerState;
  /** The seed's id (its node id as text). */
  id: string;
  /** host:port other seeds reach its HTTP port at. */
  addr: string;
}

const VERSION = 1;
const STATES: PointerState[] = ['held', 'fetching'];
const ID = /^[A-Za-z0-9._:-]{1,64}$/;
const ADDR = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253}):\d{1,5}$/;

export function encodePointer(p: ProxyPointer): Uint8Array {
  if (!ID.test(p.id)) throw new RangeError(`bad seed id "${p.id}"`);
  if (!ADDR.test(p.addr)) throw new RangeError(`bad seed address "${p.addr}"`);
  const id = new TextEncoder().encode(p.id);
  const addr = new TextEncoder().encode(p.addr);
  const out = new Uint8Array(4 + id.length + addr.length);
  out[0] = VERSION;
  out[1] = STATES.indexOf(p.state);
  out[2] = id.length;
  out.set(id, 3);
  out[3 + id.length] = addr.length;
  out.set(addr, 4 + id.length);
  return out;
}

export function decodePointer(b: Uint8Array): ProxyPointer | null {
  if (b.length < 4 || b[0] !== VERSION || b[1] >= STATES.length) return null;
  const idLen = b[2];
  if (3 + idLen >= b.length) return null;
  const addrLen = b[3 + idLen];
  if (4 + idLen + addrLen !== b.length) return null;
  const dec = new TextDecoder('utf-8', { fatal: false });
  const id = dec.decode(b.subarray(3, 3 + idLen));
  const addr = dec.decode(b.subarray(4 + idLen));
  if (!ID.test(id) || !ADDR.test(addr)) return null;
  return { state: STATES[b[1]], id, addr };
}
