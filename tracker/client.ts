// A typed Node client for the tracker (tests, bench, the headless peer). The browser side reuses
// shared/tracker/protocol.ts with its own WebSocket.
import WebSocket from 'ws';
import {
  PROTOCOL_VERSION,
  parseServerMessage,
  type ChunkBitfield,
  type ClientMessage,
  type ServerMessage,
  type ServerMessageOf,
  type SignalData,
} from '../shared/tracker/protocol';

export class TrackerRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export interface HelloOptions {
  peerId: string;
  caps?: string[];
  rtts?: { seed: string; rttMs: number }[];
}

type Pending = { resolve: (m: ServerMessage) => void; reject: (e: Error) => void };

export class TrackerClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private welcomeWaiter: Pending | null = null;
  /** Signals from other peers. */
  onSignal: (m: ServerMessageOf<'signal'>) => void = () => {};
  /** Errors the tracker sent without a request id (e.g. rate-limited garbage). */
  onError: (m: ServerMessageOf<'error'>) => void = () => {};
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        const err = new TrackerRequestError('closed', `connection closed (${code})`);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        this.welcomeWaiter?.reject(err);
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('message', (data: Buffer) => this.dispatch(data));
    ws.on('error', () => {}); // surfaced through `closed`
  }

  static connect(url: string): Promise<TrackerClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once('open', () => {
        ws.off('error', reject);
        resolve(new TrackerClient(ws));
      });
      ws.once('error', reject);
    });
  }

  hello(o: HelloOptions): Promise<ServerMessageOf<'welcome'>> {
    return new Promise((resolve, reject) => {
      this.welcomeWaiter = { resolve: resolve as (m: ServerMessage) => void, reject };
      this.sendRaw(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, peerId: o.peerId, caps: o.caps ?? [], rtts: o.rtts ?? [] }));
    });
  }

  announce(objects: { integrity: string; chunks?: ChunkBitfield }[]) {
    return this.request<'announced'>({ type: 'announce', id: 0, objects });
  }
  lookup(integrity: string, max?: number) {
    return this.request<'peers'>({ type: 'lookup', id: 0, integrity, max });
  }
  signal(to: string, sid: string, data: SignalData, integrity?: string) {
    return this.request<'signal-sent'>({ type: 'signal', id: 0, to, sid, data, integrity });
  }
  withdraw(integrity: string[]) {
    return this.request<'withdrawn'>({ type: 'withdraw', id: 0, integrity });
  }
  heartbeat() {
    return this.request<'heartbeat-ack'>({ type: 'heartbeat', id: 0 });
  }

  /** Sends any text (tests use it for malformed frames). */
  sendRaw(text: string | Buffer): void {
    this.ws.send(text);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(1000);
    await this.closed;
  }

  private request<T extends ServerMessage['type']>(msg: ClientMessage & { id: number }): Promise<ServerMessageOf<T>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (m: ServerMessage) => void, reject });
      this.sendRaw(JSON.stringify({ ...msg, id }));
    });
  }

  private dispatch(data: Buffer): void {
    const parsed = parseServerMessage(data);
    if (!parsed.ok) return; // a broken tracker frame is ignored, like any network garbage
    const m = parsed.msg;
    if (m.type === 'welcome') {
      this.welcomeWaiter?.resolve(m);
      this.welcomeWaiter = null;
      return;
    }
    if (m.type === 'signal') return this.onSignal(m);
    const id = 'id' in m ? m.id : undefined;
    const p = id !== undefined ? this.pending.get(id) : undefined;
    if (m.type === 'error') {
      if (p) {
        this.pending.delete(id!);
        p.reject(new TrackerRequestError(m.code, m.message));
      } else if (this.welcomeWaiter) {
        this.welcomeWaiter.reject(new TrackerRequestError(m.code, m.message));
        this.welcomeWaiter = null;
      } else this.onError(m);
      return;
    }
    if (p) {
      this.pending.delete(id!);
      p.resolve(m);
    }
  }
}
