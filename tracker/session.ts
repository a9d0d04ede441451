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

export interface AnnouncedObject {
  /** The index value put under contentKey(integrity); the key is derived again when needed (memory). */
  value: Uint8Array;
  /** As announced: a re-announce with the same bitfield is only a refresh. */
  chunks?: ChunkBitfield;
  /**
   * When the value was last put into the index (heartbeats refresh old ones), in ms since the
   * tracker started: a small integer V8 keeps inline, not a boxed double per announced object.
   */
  putAt: number;
}

export class Session {
  peerId: string | null = null;
  cluster = '';
  rttMs = new Map<string, number>();
  /** The index value of every whole object this session announces (the same bytes for all). */
  wholeValue: Uint8Array | null = null;
  /** Announced objects by SRI integrity string. */
  readonly objects = new Map<string, AnnouncedObject>();
  lastSeenAt: number;
  closed = false;
  readonly messages: TokenBucket;
  /** Abuse budget: malformed or over-limit frames take a strike; an empty budget disconnects. */
  readonly strikes: TokenBucket;

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
