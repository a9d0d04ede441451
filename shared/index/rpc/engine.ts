// Request/response plumbing over an injected transport: transaction ids, per-request timeouts on
// the injected clock, authentication and decoding of every packet. Garbage is counted, never thrown.
import type { Address, Clock, TimerHandle, Transport } from '../types';
import { KIND, type Command } from './commands';
import type { Codec } from './codec';
import type { Body, Header, Message } from './messages';

export interface RpcCounters {
  packetsSent: number;
  packetsReceived: number;
  requestsSent: number;
  requestsReceived: number;
  responsesReceived: number;
  timeouts: number;
  droppedBadMac: number;
  droppedBadVersion: number;
  droppedMalformed: number;
  droppedUnmatched: number;
  sendErrors: number;
}

export function emptyRpcCounters(): RpcCounters {
  return {
    packetsSent: 0,
    packetsReceived: 0,
    requestsSent: 0,
    requestsReceived: 0,
    responsesReceived: 0,
    timeouts: 0,
    droppedBadMac: 0,
    droppedBadVersion: 0,
    droppedMalformed: 0,
    droppedUnmatched: 0,
    sendErrors: 0,
  };
}

interface Pending {
  to: Address;
  sentAtMs: number;
  timer: TimerHandle;
  cb: (reply: Message | null, rttMs: number) => void;
}

export interface RpcEngineDeps {
  transport: Transport;
  clock: Clock;
  codec: Codec;
  /** The header fields of our outgoing messages (without txid). */
  header(): Omit<Header, 'txid'>;
  /** A verified request or one-way message; reply(undefined) sends nothing. */
  onRequest(from: Address, msg: Message, reply: (body: Body, errorCmd?: Command) => void): void;
  /** Every verified message, before dispatch (rttMs only for replies to our requests). */
  onMessage(from: Address, msg: Message, rttMs: number | undefined): void;
}

export class RpcEngine {
  readonly counters = emptyRpcCounters();
  /** Requests sent per body type (ping, findNode, ...), for metrics. */
  readonly sentByType: Record<string, number> = {};
  private readonly pending = new Map<number, Pending>();
  private nextTxid: number;
  private closed = false;

  constructor(
    private readonly deps: RpcEngineDeps,
    seed: number,
  ) {
    this.nextTxid = seed >>> 0;
    deps.transport.onPacket((from, packet) => this.receive(from, packet));
  }

  private send(to: Address, txid: number, body: Body, errorCmd?: Command): void {
    const packet = this.deps.codec.encodeParts(this.deps.header(), txid, body, errorCmd);
    try {
      this.deps.transport.send(to, packet);
      this.counters.packetsSent++;
    } catch {
      this.counters.sendErrors++;
    }
  }

  request(to: Address, body: Body, timeoutMs: number, cb: (reply: Message | null, rttMs: number) => void): void {
    if (this.closed) return cb(null, 0);
    const txid = (this.nextTxid = (this.nextTxid + 1) >>> 0);
    const timer = this.deps.clock.setTimeout(() => {
      if (this.pending.delete(txid)) {
        this.counters.timeouts++;
        cb(null, 0);
      }
    }, timeoutMs);
    this.pending.set(txid, { to, sentAtMs: this.deps.clock.now(), timer, cb });
    this.counters.requestsSent++;
    this.sentByType[body.t] = (this.sentByType[body.t] ?? 0) + 1;
    this.send(to, txid, body);
  }

  oneWay(to: Address, body: Body): void {
    if (!this.closed) this.send(to, 0, body);
  }

  private receive(from: Address, packet: Uint8Array): void {
    if (this.closed) return;
    this.counters.packetsReceived++;
    const r = this.deps.codec.decode(packet);
    if (!r.ok) {
      if (r.reason === 'bad-mac') this.counters.droppedBadMac++;
      else if (r.reason === 'bad-version' || r.reason === 'bad-magic') this.counters.droppedBadVersion++;
      else this.counters.droppedMalformed++;
      return;
    }
    const msg = r.msg;
    if (r.kind === KIND.request || r.kind === KIND.oneWay) {
      if (r.kind === KIND.request) this.counters.requestsReceived++;
      this.deps.onMessage(from, msg, undefined);
      this.deps.onRequest(from, msg, (body, errorCmd) => {
        if (r.kind === KIND.request && !this.closed) this.send(from, msg.txid, body, errorCmd ?? r.cmd);
      });
      return;
    }
    const p = this.pending.get(msg.txid);
    if (!p || p.to !== from) {
      this.counters.droppedUnmatched++;
      return;
    }
    this.pending.delete(msg.txid);
    this.deps.clock.clearTimeout(p.timer);
    this.counters.responsesReceived++;
    const rttMs = this.deps.clock.now() - p.sentAtMs;
    this.deps.onMessage(from, msg, rttMs);
    p.cb(msg, rttMs);
  }

  close(): void {
    this.closed = true;
    for (const [txid, p] of this.pending) {
      this.deps.clock.clearTimeout(p.timer);
      this.pending.delete(txid);
      p.cb(null, 0);
    }
  }
}
