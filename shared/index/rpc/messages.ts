// Typed shapes of every index message. The header rides on all of them: who sent it, its services,
// and the cluster it belongs to at each level (how Coral nodes learn of other clusters).
import type { Contact, NodeId } from '../types';

export interface ClusterAdvert {
  /** 48-bit cluster id (0 = level 0, the global cluster). */
  id: number;
  /** The sender's estimate of the cluster's size. */
  size: number;
  /** Age of the cluster in seconds, as the sender knows it. */
  ageS: number;
}

export interface Header {
  txid: number;
  sender: NodeId;
  services: number;
  /** Index i describes level i + 1. */
  clusters: ClusterAdvert[];
}

export type Body =
  | { t: 'ping' }
  | { t: 'pong' }
  | { t: 'findNode'; level: number; target: NodeId }
  | { t: 'nodes'; contacts: Contact[] }
  | { t: 'findValue'; level: number; key: NodeId; maxValues: number }
  | { t: 'values'; values: Uint8Array[]; contacts: Contact[] }
  | { t: 'putWalk'; level: number; key: NodeId; ttlMs: number }
  | { t: 'walked'; fullAndLoaded: boolean; contacts: Contact[] }
  | { t: 'store'; level: number; key: NodeId; ttlMs: number; value: Uint8Array }
  | { t: 'stored'; status: number }
  | { t: 'remove'; level: number; key: NodeId; value: Uint8Array }
  | { t: 'removed'; count: number }
  | { t: 'app'; name: string; payload: Uint8Array }
  | { t: 'appReply'; payload: Uint8Array }
  | { t: 'error'; code: string }
  /** Bit i set: the sender left our shared cluster at level i (all bits: it is shutting down). */
  | { t: 'leave'; levels: number };

export type Message = Header & { body: Body };
export type BodyType = Body['t'];
export type BodyOf<T extends BodyType> = Extract<Body, { t: T }>;
