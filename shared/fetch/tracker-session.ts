// A platform-neutral tracker client: one WebSocket-like connection (browser WebSocket or Node `ws`),
// hello -> welcome, announce / lookup / signal / withdraw, heartbeats on the injected clock, and a
// reconnect with backoff that re-announces what we hold. Frames from the tracker are validated with
// the shared protocol schemas; a frame that does not parse is counted and dropped.
import {
  MAX_OBJECTS_PER_MESSAGE,
  PROTOCOL_VERSION,
  parseServerMessage,
  type ChunkBitfield,
  type ClientMessage,
  type PeerEntry,
  type ServerMessage,
  type ServerMessageOf,
  type SignalData,
} from '../tracker/protocol';
import type { Clock, WebSocketLike } from './types';

export const TRACKER_SESSION_DEFAULTS = {
  requestTimeoutMs: 5_000,
  reconnectMinMs: 1_000,
  reconnectMaxMs: 30_000,
  /** Announcements are coalesced for this long so a page of objects costs one message. */
  announceCoalesceMs: 50,
  /** Keep announce frames well under the tracker's 64 KiB message limit. */
  maxAnnounceFrameBytes: 48 * 1024,
};
export type TrackerSessionConfig = typeof TRACKER_SESSION_DEFAULTS;

export class TrackerRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

type Pending = { resolve: (m: ServerMessage) => void; reject: (e: Error) => void; timer: unknown };
type Welcome = ServerMessageOf<'welcome'>;

export interface TrackerSessionDeps {
  clock: Clock;
  socket: () => WebSocketLike;
  peerId: string;
  rtts?: { seed: string; rttMs: number }[];
  onSignal?: (m: ServerMessageOf<'signal'>) => void;
  onStateChange?: (connected: boolean) => void;
}

export class TrackerSession {
  readonly cfg: TrackerSessionConfig;
  welcome: Welcome | null = null;
  garbageFrames = 0;
  private ws: WebSocketLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** What we hold, as announced: re-sent after every reconnect. */
  private readonly announced = new Map<string, ChunkBitfield | undefined>();
  private readonly announceQueue = new Set<string>();
  private announceTimer: unknown = null;
  private heartbeatTimer: unknown = null;
  private reconnectTimer: unknown = null;
  private reconnectDelayMs: number;
  private stopped = true;
  private readyWaiters: Array<() => void> = [];

  constructor(
    private readonly deps: TrackerSessionDeps,
    cfg: Partial<TrackerSessionConfig> = {},
  ) {
    this.cfg = { ...TRACKER_SESSION_DEFAULTS, ...cfg };
    this.reconnectDelayMs = this.cfg.reconnectMinMs;
  }

  get ready(): boolean {
    return this.welcome !== null;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Withdraws everything announced (best effort, bounded by the request timeout), then closes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    const held = [...this.announced.keys()];
    if (this.ready && held.length > 0) {
      for (let i = 0; i < held.length; i += MAX_OBJECTS_PER_MESSAGE) {
        await this.request<'withdrawn'>({ type: 'withdraw', id: 0, integrity: held.slice(i, i + MAX_OBJECTS_PER_MESSAGE) }).catch(() => {});
      }
    }
    this.stopped = true;
    this.announced.clear();
    for (const t of [this.announceTimer, this.heartbeatTimer, this.reconnectTimer]) if (t !== null) this.deps.clock.clearTimeout(t);
    this.announceTimer = this.heartbeatTimer = this.reconnectTimer = null;
    const ws = this.ws;
    this.ws = null;
    this.dropConnection(new TrackerRequestError('closed', 'session stopped'));
    try {
      ws?.close(1000, 'bye');
    } catch {
      // already closed
    }
  }

  /** Resolves true once welcomed, false after `timeoutMs` (the engine then falls back at once). */
  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        this.deps.clock.clearTimeout(timer);
        this.readyWaiters = this.readyWaiters.filter((w) => w !== onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = this.deps.clock.setTimeout(() => done(false), timeoutMs);
      this.readyWaiters.push(onReady);
    });
  }

  /** Queues objects to announce (or re-announce with a new bitfield); coalesced into few messages. */
  announce(objects: { integrity: string; chunks?: ChunkBitfield }[]): void {
    for (const o of objects) {
      this.announced.set(o.integrity, o.chunks);
      this.announceQueue.add(o.integrity);
    }
    this.scheduleAnnounce();
  }

  async withdraw(integrities: string[]): Promise<void> {
    for (const i of integrities) {
      this.announced.delete(i);
      this.announceQueue.delete(i);
    }
    if (!this.ready) return;
    for (let i = 0; i < integrities.length; i += MAX_OBJECTS_PER_MESSAGE) {
      await this.request<'withdrawn'>({ type: 'withdraw', id: 0, integrity: integrities.slice(i, i + MAX_OBJECTS_PER_MESSAGE) });
    }
  }

  async lookup(integrity: string, max?: number): Promise<PeerEntry[]> {
    const m = await this.request<'peers'>({ type: 'lookup', id: 0, integrity, max });
    return m.peers;
  }

  async signal(to: string, sid: string, data: SignalData, integrity?: string): Promise<void> {
    await this.request<'signal-sent'>({ type: 'signal', id: 0, to, sid, data, integrity });
  }

  // ---- connection ------------------------------------------------------------------------------

  private connect(): void {
    let ws: WebSocketLike;
    try {
      ws = this.deps.socket();
    } catch {
      return this.scheduleReconnect();
    }
    this.ws = ws;
    const mine = () => this.ws === ws;
    ws.onopen = () => {
      if (!mine()) return;
      this.sendRaw({ type: 'hello', v: PROTOCOL_VERSION, peerId: this.deps.peerId, caps: ['reef-peer-1'], rtts: this.deps.rtts ?? [] });
    };
    ws.onmessage = (ev) => {
      if (mine()) this.dispatch(ev.data);
    };
    ws.onerror = () => {};
    ws.onclose = () => {
      if (!mine()) return;
      this.ws = null;
      this.dropConnection(new TrackerRequestError('closed', 'tracker connection closed'));
      this.scheduleReconnect();
    };
  }

  private dropConnection(err: Error): void {
    const wasReady = this.ready;
    this.welcome = null;
    if (this.heartbeatTimer !== null) this.deps.clock.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
    for (const p of this.pending.values()) {
      this.deps.clock.clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    if (wasReady) this.deps.onStateChange?.(false);
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer !== null) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(this.cfg.reconnectMaxMs, delay * 2);
    this.reconnectTimer = this.deps.clock.setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  private onWelcome(w: Welcome): void {
    this.welcome = w;
    this.reconnectDelayMs = this.cfg.reconnectMinMs;
    for (const i of this.announced.keys()) this.announceQueue.add(i);
    this.scheduleAnnounce();
    this.scheduleHeartbeat(Math.max(1_000, Math.floor(w.heartbeatMs)));
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
    this.deps.onStateChange?.(true);
  }

  private scheduleHeartbeat(everyMs: number): void {
    this.heartbeatTimer = this.deps.clock.setTimeout(() => {
      this.heartbeatTimer = null;
      if (!this.ready) return;
      this.request<'heartbeat-ack'>({ type: 'heartbeat', id: 0 }).catch(() => {});
      this.scheduleHeartbeat(everyMs);
    }, everyMs);
  }

  private scheduleAnnounce(): void {
    if (this.announceTimer !== null || !this.ready || this.announceQueue.size === 0) return;
    this.announceTimer = this.deps.clock.setTimeout(() => {
      this.announceTimer = null;
      this.flushAnnounces();
    }, this.cfg.announceCoalesceMs);
  }

  private flushAnnounces(): void {
    if (!this.ready) return;
    let batch: { integrity: string; chunks?: ChunkBitfield }[] = [];
    let bytes = 0;
    const send = () => {
      if (batch.length === 0) return;
      this.request<'announced'>({ type: 'announce', id: 0, objects: batch }).catch(() => {});
      batch = [];
      bytes = 0;
    };
    for (const integrity of this.announceQueue) {
      const chunks = this.announced.get(integrity);
      const size = integrity.length + 40 + (chunks ? chunks.have.length + 24 : 0);
      if (batch.length >= MAX_OBJECTS_PER_MESSAGE || bytes + size > this.cfg.maxAnnounceFrameBytes) send();
      batch.push(chunks ? { integrity, chunks } : { integrity });
      bytes += size;
    }
    send();
    this.announceQueue.clear();
  }

  // ---- messages --------------------------------------------------------------------------------

  private sendRaw(msg: ClientMessage): void {
    this.ws?.send(JSON.stringify(msg));
  }

  private request<T extends ServerMessage['type']>(msg: ClientMessage & { id: number }): Promise<ServerMessageOf<T>> {
    if (!this.ready || !this.ws) return Promise.reject(new TrackerRequestError('not-connected', 'no tracker session'));
    const id = this.nextId++;
    if (this.nextId > 2 ** 31) this.nextId = 1;
    return new Promise((resolve, reject) => {
      const timer = this.deps.clock.setTimeout(() => {
        this.pending.delete(id);
        reject(new TrackerRequestError('timeout', `${msg.type} timed out`));
      }, this.cfg.requestTimeoutMs);
      this.pending.set(id, { resolve: resolve as (m: ServerMessage) => void, reject, timer });
      this.sendRaw({ ...msg, id } as ClientMessage);
    });
  }

  private dispatch(data: unknown): void {
    const input = typeof data === 'string' ? data : data instanceof Uint8Array ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : null;
    const parsed = input === null ? null : parseServerMessage(input);
    if (!parsed?.ok) {
      this.garbageFrames++;
      return;
    }
    const m = parsed.msg;
    if (m.type === 'welcome') return this.onWelcome(m);
    if (m.type === 'signal') return this.deps.onSignal?.(m);
    const id = 'id' in m ? m.id : undefined;
    const p = id !== undefined ? this.pending.get(id) : undefined;
    if (!p) return;
    this.pending.delete(id!);
    this.deps.clock.clearTimeout(p.timer);
    if (m.type === 'error') p.reject(new TrackerRequestError(m.code, m.message));
    else p.resolve(m);
  }
}
