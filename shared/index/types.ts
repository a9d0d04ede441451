// The few shapes every part of the index shares. The core owns no sockets and no timers:
// a Transport and a Clock are injected, so the same code runs over UDP and in the simulator.

/** 160-bit identifier (20 bytes): node ids and keys live in the same space. */
export type NodeId = Uint8Array;

/** "host:port"; IPv6 hosts in brackets ("[::1]:4000"). The simulator uses the same form. */
export type Address = string;

export interface Contact {
  id: NodeId;
  address: Address;
  /** Bit flags of SERVICES. */
  services: number;
  /** Last measured round-trip time, when known. */
  rttMs?: number;
}

export interface Transport {
  readonly address: Address;
  send(to: Address, packet: Uint8Array): void;
  /** One receiver per transport; the node sets it in start(). */
  onPacket(handler: (from: Address, packet: Uint8Array) => void): void;
  close(): void;
}

export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Message authentication under the deployment's shared secret. */
export interface Authenticator {
  readonly tagBytes: number;
  /** Writes the tag of data into out (out.length === tagBytes). */
  sign(data: Uint8Array, out: Uint8Array): void;
  verify(data: Uint8Array, tag: Uint8Array): boolean;
}

export type Rng = () => number;
