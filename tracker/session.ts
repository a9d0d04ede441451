// One browser connection's state. The tracker core creates these; the socket front only holds them.
import type { ChunkBitfield } from '../shared/tracker/protocol';
import type { Clock } from '../shared/clock';
import type { TrackerConfig } from './config';
import { TokenBucket } from './rate-limit';

/** What the core needs from a connection: send a text frame, close with a code. */
export interface Connection {
  send(text: string): void;
  close(code: number, reason: string): void;
}

/** A chunked object as announced: its own index value (the bitfield is in it). */
export interface ChunkedObject {
  value: Uint8Array;
  /** As announced: a re-announce with the same bitfield is only a refresh. */
  chunks: ChunkBitfield;
  putAt: number;
}

/**
 * What a session holds of one object. A whole object is only the time its value was last put into the
 * index (heartbeats refresh old ones), in ms since the tracker started: its value is the session's
 * `wholeValue`, and a small integer in a Map costs no heap object (a tracker holds ~20 per client).
 */
export type HeldObject = number | ChunkedObject;

export class Session {
  peerId: string | null = null;
  cluster = '';
  rttMs = new Map<string, number>();
  /** The index value of every whole object this session announces (the same bytes for all). */
  wholeValue: Uint8Array | null = null;
  /** Announced objects by SRI integrity string. */
  readonly objects = new Map<string, HeldObject>();
  lastSeenAt: number;
  closed = false;
  readonly messages: TokenBucket;
  /** Abuse budget: malformed or over-limit frames take a strike; an empty budget disconnects. */
  readonly strikes: TokenBucket;

  /** The index value announced for `held`. */
  heldValue(held: HeldObject): Uint8Array {
    return typeof held === 'number' ? this.wholeValue! : held.value;
  }

  /** Marks `held` (announced under `integrity`) as put into the index at `now`. */
  putAgain(integrity: string, held: HeldObject, now: number): void {
    if (typeof held === 'number') this.objects.set(integrity, now);
    else held.putAt = now;
  }

  constructor(
    readonly conn: Connection,
    clock: Clock,
    cfg: TrackerConfig,
  ) {
    this.lastSeenAt = clock.now();
    this.messages = new TokenBucket(clock, cfg.messageBurst, cfg.messagesPerSec / 1000);
    this.strikes = new TokenBucket(clock, cfg.maxStrikes, 1 / cfg.strikeRefillMs);
  }
}
