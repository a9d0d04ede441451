// Answers the index's requests: routing queries, sloppy storage and application commands. Kept
// apart from CoralNode so each request type reads as one short case.
import type { ClusterMembership } from '../clusters/membership';
import type { IndexConfig } from '../config';
import { INDEX_ERRORS } from '../errors';
import type { RoutingTable } from '../routing/table';
import type { SloppyStore } from '../storage/store';
import type { Address, Clock, Contact, NodeId } from '../types';
import { CMD, STORE_STATUS, type Command } from './commands';
import type { Body, Message } from './messages';

export type AppHandler = (from: Contact, payload: Uint8Array) => Promise<Uint8Array> | Uint8Array;

export interface HandlerContext {
  tables: RoutingTable[];
  stores: SloppyStore[];
  clusters: ClusterMembership[];
  config: IndexConfig;
  stats: { storesAccepted: number; getsAnswered: number; appRequests: number; appErrors: number };
  clock: Clock;
  appHandlers: Map<string, AppHandler>;
  onStore?: (level: number, key: NodeId, nowMs: number) => void;
  /** Counts a message that decoded but makes no sense as a request. */
  malformed(): void;
}

export class RequestHandlers {
  constructor(private readonly ctx: HandlerContext) {}

  handle(from: Address, msg: Message, reply: (body: Body, errorCmd?: Command) => void): void {
    const b = msg.body;
    const now = this.ctx.clock.now();
    const k = this.ctx.config.k;
    switch (b.t) {
      case 'ping':
        return reply({ t: 'pong' });
      case 'leave':
        for (let l = 0; l < this.ctx.tables.length; l++) if (b.levels & (1 << l)) this.ctx.tables[l].remove(msg.sender);
        if (b.levels === 0xff) for (const m of this.ctx.clusters) m.forget({ id: msg.sender, address: from, services: 0 });
        return;
      case 'findNode':
        if (b.level >= this.ctx.tables.length) return reply({ t: 'error', code: INDEX_ERRORS.badLevel });
        return reply({ t: 'nodes', contacts: this.ctx.tables[b.level].closest(b.target, k) });
      case 'findValue': {
        if (b.level >= this.ctx.tables.length) return reply({ t: 'error', code: INDEX_ERRORS.badLevel });
        const values = this.ctx.stores[b.level].get(b.key, Math.min(b.maxValues, this.ctx.config.maxValuesPerGet), now);
        if (values.length) this.ctx.stats.getsAnswered++;
        return reply({ t: 'values', values, contacts: values.length ? [] : this.ctx.tables[b.level].closest(b.key, k) });
      }
      case 'putWalk': {
        if (b.level >= this.ctx.tables.length) return reply({ t: 'error', code: INDEX_ERRORS.badLevel });
        const fullAndLoaded = this.ctx.stores[b.level].notePutWalk(b.key, b.ttlMs, now);
        return reply({ t: 'walked', fullAndLoaded, contacts: fullAndLoaded ? [] : this.ctx.tables[b.level].closest(b.key, k) });
      }
      case 'store': {
        if (b.level >= this.ctx.tables.length || b.value.length > this.ctx.config.maxValueBytes || b.ttlMs > this.ctx.config.maxTtlMs || b.ttlMs === 0) {
          return reply({ t: 'stored', status: STORE_STATUS.refused });
        }
        if (!this.ctx.stores[b.level].put(b.key, b.value, b.ttlMs, now)) return reply({ t: 'stored', status: STORE_STATUS.refused });
        this.ctx.stats.storesAccepted++;
        this.ctx.onStore?.(b.level, b.key, now);
        return reply({ t: 'stored', status: STORE_STATUS.stored });
      }
      case 'remove': {
        const count = b.level < this.ctx.stores.length ? this.ctx.stores[b.level].remove(b.key, b.value) : 0;
        return reply({ t: 'removed', count });
      }
      case 'app':
        return this.handleApp(from, msg, b.name, b.payload, reply);
      default:
        // A reply type arriving as a request: the codec accepted it, but it is not a request.
        this.ctx.malformed();
    }
  }

  private handleApp(from: Address, msg: Message, name: string, payload: Uint8Array, reply: (body: Body, errorCmd?: Command) => void): void {
    this.ctx.stats.appRequests++;
    const handler = this.ctx.appHandlers.get(name);
    if (!handler) return reply({ t: 'error', code: INDEX_ERRORS.noHandler }, CMD.app);
    const contact: Contact = { id: msg.sender, address: from, services: msg.services };
    Promise.resolve()
      .then(() => handler(contact, payload))
      .then(
        (out) => {
          if (!(out instanceof Uint8Array) || out.length > this.ctx.config.maxAppPayloadBytes) throw new Error('bad reply');
          reply({ t: 'appReply', payload: out });
        },
        () => {
          this.ctx.stats.appErrors++;
          reply({ t: 'error', code: INDEX_ERRORS.handlerFailed }, CMD.app);
        },
      )
      .catch(() => {
        this.ctx.stats.appErrors++;
        reply({ t: 'error', code: INDEX_ERRORS.handlerFailed }, CMD.app);
      });
  }
}
