// The Reef tracker protocol: browsers <-> tracker, JSON objects in WebSocket text frames.
// Shared by the seed's tracker and the extension, so: no node: imports here.
//
// Versioning: `hello.v` and `welcome.v` carry PROTOCOL_VERSION; a tracker refuses other versions
// with `unsupported-version`. Unknown extra fields are stripped (forward compatible), unknown
// `type`s are refused with `unknown-type`.
//
// Index key: an object is indexed under contentKey(integrity) = the first 20 bytes of the SHA-256
// digest inside its SRI string (see content-key.ts). Never a URL.
import { z } from 'zod';
import { SRI_SHA256_RE } from './content-key';
import { TRACKER_ERRORS, type TrackerErrorCode } from './errors';

export const PROTOCOL_VERSION = 1;
/** The HTTP path where a seed hosts the tracker WebSocket. */
export const TRACKER_PATH = '/.well-known/reef/tracker';

export const MAX_OBJECTS_PER_MESSAGE = 256;
export const MAX_CHUNKS = 65_536;
export const MAX_LOOKUP_PEERS = 100;

const requestId = z.number().int().min(0).max(2 ** 31);
export const peerIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);
export const integritySchema = z.string().regex(SRI_SHA256_RE);
/** A tracker (or seed) identity: 160-bit node id in hex, and where its HTTP port listens. */
export const trackerRefSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{40}$/),
  addr: z.string().min(3).max(262),
});
/** Which chunks of a large object a peer holds: bit i (MSB first) of base64 `have` = chunk i. */
export const chunkBitfieldSchema = z
  .object({ count: z.number().int().min(1).max(MAX_CHUNKS), have: z.string().max(Math.ceil(MAX_CHUNKS / 6) + 4) })
  .refine((c) => c.have.length === 4 * Math.ceil(Math.ceil(c.count / 8) / 3), 'have length must match count');
const clusterSchema = z.string().min(1).max(128);
const signalDataSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('offer'), sdp: z.string().max(16_384) }),
  z.object({ kind: z.literal('answer'), sdp: z.string().max(16_384) }),
  z.object({
    kind: z.literal('candidate'),
    candidate: z.string().max(1024),
    sdpMid: z.string().max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(255).nullable().optional(),
  }),
  z.object({ kind: z.literal('end-of-candidates') }),
]);

// ---- client -> tracker -------------------------------------------------------------------------
export const clientSchemas = {
  hello: z.object({
    type: z.literal('hello'),
    v: z.number().int(),
    peerId: peerIdSchema,
    caps: z.array(z.string().max(32)).max(16).default([]),
    /** The browser's measured RTT to seeds it knows (seed = node id or host:port). */
    rtts: z.array(z.object({ seed: clusterSchema, rttMs: z.number().min(0).max(60_000) })).max(32).default([]),
  }),
  announce: z.object({
    type: z.literal('announce'),
    id: requestId,
    objects: z
      .array(z.object({ integrity: integritySchema, chunks: chunkBitfieldSchema.optional() }))
      .min(1)
      .max(MAX_OBJECTS_PER_MESSAGE),
  }),
  lookup: z.object({
    type: z.literal('lookup'),
    id: requestId,
    integrity: integritySchema,
    max: z.number().int().min(1).max(MAX_LOOKUP_PEERS).optional(),
  }),
  signal: z.object({
    type: z.literal('signal'),
    id: requestId,
    to: peerIdSchema,
    /** WebRTC session id chosen by the offerer, echoed on every message of that session. */
    sid: z.string().min(1).max(64),
    /** The object that brought the two peers together: lets the tracker find a remote peer via the index. */
    integrity: integritySchema.optional(),
    data: signalDataSchema,
  }),
  withdraw: z.object({
    type: z.literal('withdraw'),
    id: requestId,
    integrity: z.array(integritySchema).min(1).max(MAX_OBJECTS_PER_MESSAGE),
  }),
  heartbeat: z.object({ type: z.literal('heartbeat'), id: requestId }),
};

// ---- tracker -> client -------------------------------------------------------------------------
const iceServerSchema = z.object({
  urls: z.union([z.string().max(512), z.array(z.string().max(512)).max(8)]),
  username: z.string().max(256).optional(),
  credential: z.string().max(256).optional(),
});
export const peerEntrySchema = z.object({
  peerId: peerIdSchema,
  tracker: trackerRefSchema,
  cluster: clusterSchema,
  sameTracker: z.boolean(),
  chunks: chunkBitfieldSchema.optional(),
});

export const serverSchemas = {
  welcome: z.object({
    type: z.literal('welcome'),
    v: z.number().int(),
    peerId: peerIdSchema,
    tracker: trackerRefSchema,
    /** The cluster hint the tracker derived for this peer (nearest seed by RTT). */
    cluster: clusterSchema,
    iceServers: z.array(iceServerSchema).max(16),
    heartbeatMs: z.number().int().positive(),
    limits: z.object({
      maxObjects: z.number().int(),
      maxMessageBytes: z.number().int(),
      messagesPerSec: z.number(),
    }),
  }),
  announced: z.object({ type: z.literal('announced'), id: requestId, accepted: z.number().int(), total: z.number().int() }),
  peers: z.object({ type: z.literal('peers'), id: requestId, integrity: integritySchema, peers: z.array(peerEntrySchema) }),
  withdrawn: z.object({ type: z.literal('withdrawn'), id: requestId, removed: z.number().int() }),
  'heartbeat-ack': z.object({ type: z.literal('heartbeat-ack'), id: requestId, objects: z.number().int() }),
  'signal-sent': z.object({ type: z.literal('signal-sent'), id: requestId, route: z.enum(['local', 'relayed']) }),
  signal: z.object({
    type: z.literal('signal'),
    from: peerIdSchema,
    sid: z.string().min(1).max(64),
    data: signalDataSchema,
  }),
  error: z.object({
    type: z.literal('error'),
    id: requestId.optional(),
    code: z.string().max(64),
    message: z.string().max(1024),
  }),
};

type Infer<T extends Record<string, z.ZodType>> = { [K in keyof T]: z.output<T[K]> }[keyof T];
export type ClientMessage = Infer<typeof clientSchemas>;
export type ServerMessage = Infer<typeof serverSchemas>;
export type ClientMessageOf<T extends ClientMessage['type']> = Extract<ClientMessage, { type: T }>;
export type ServerMessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
export type TrackerRef = z.output<typeof trackerRefSchema>;
export type PeerEntry = z.output<typeof peerEntrySchema>;
export type ChunkBitfield = z.output<typeof chunkBitfieldSchema>;
export type SignalData = z.output<typeof signalDataSchema>;
export type IceServer = z.output<typeof iceServerSchema>;

export type ParseResult<M> =
  | { ok: true; msg: M }
  | { ok: false; code: TrackerErrorCode; message: string; id?: number };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseWith<M>(schemas: Record<string, z.ZodType>, input: string | Uint8Array): ParseResult<M> {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = utf8.decode(input);
    } catch {
      return { ok: false, code: TRACKER_ERRORS.badEncoding, message: 'frame is not valid UTF-8' };
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: TRACKER_ERRORS.badJson, message: 'frame is not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: TRACKER_ERRORS.badMessage, message: 'message must be a JSON object' };
  }
  const obj = raw as Record<string, unknown>;
  // Echo a well-formed request id in the error so the sender can match it to its request.
  const id = Number.isInteger(obj.id) && (obj.id as number) >= 0 && (obj.id as number) <= 2 ** 31 ? (obj.id as number) : undefined;
  const type = obj.type;
  const schema = typeof type === 'string' && Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (!schema) return { ok: false, code: TRACKER_ERRORS.unknownType, message: `unknown message type`, id };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
    return { ok: false, code: TRACKER_ERRORS.badMessage, message: `${String(type)}: ${where}`.slice(0, 300), id };
  }
  return { ok: true, msg: parsed.data as M };
}

/** Validates a frame from a browser. Never throws. */
export function parseClientMessage(input: string | Uint8Array): ParseResult<ClientMessage> {
  return parseWith<ClientMessage>(clientSchemas, input);
}

/** Validates a frame from a tracker (the extension and the Node client use this). Never throws. */
export function parseServerMessage(input: string | Uint8Array): ParseResult<ServerMessage> {
  return parseWith<ServerMessage>(serverSchemas, input);
}

export function encodeMessage(msg: ClientMessage | ServerMessage): string {
  return JSON.stringify(msg);
}
