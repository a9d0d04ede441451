// UDP transport of the Coral index (node:dgram). Datagrams are bounded; anything oversized,
// unaddressable or failing to send is counted and dropped, never thrown: the index above
// authenticates and decodes each packet and counts garbage itself.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Address, Transport } from '../shared/index/types';

export const UDP_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  /** Largest datagram sent or accepted (the index's own maxPacketBytes should not exceed it). */
  maxPacketBytes: 9 * 1024,
};

export interface UdpCounters {
  datagramsReceived: number;
  datagramsSent: number;
  droppedOversized: number;
  droppedBadAddress: number;
  sendErrors: number;
}

export interface UdpTransport extends Transport {
  readonly counters: UdpCounters;
  /** Resolves when the socket is closed. */
  readonly closed: Promise<void>;
}

export function formatAddress(host: string, port: number): Address {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** "host:port" or "[v6]:port" -> parts, or null. */
export function parseAddress(a: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(a);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1] ?? m[2], port };
}

export async function startUdpTransport(opts: { host?: string; port?: number; maxPacketBytes?: number } = {}): Promise<UdpTransport> {
  const host = opts.host ?? UDP_DEFAULTS.host;
  const maxPacketBytes = opts.maxPacketBytes ?? UDP_DEFAULTS.maxPacketBytes;
  const socket: Socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port ?? UDP_DEFAULTS.port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const counters: UdpCounters = { datagramsReceived: 0, datagramsSent: 0, droppedOversized: 0, droppedBadAddress: 0, sendErrors: 0 };
  let handler: ((from: Address, packet: Uint8Array) => void) | null = null;
  // Socket errors after bind (e.g. ICMP unreachable on some platforms) are remote faults: count them.
  socket.on('error', () => counters.sendErrors++);
  socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    counters.datagramsReceived++;
    if (msg.length > maxPacketBytes) {
      counters.droppedOversized++;
      return;
    }
    if (rinfo.port === 0) {
      counters.droppedBadAddress++;
      return;
    }
    try {
      handler?.(formatAddress(rinfo.address, rinfo.port), new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
    } catch {
      // The index never throws on input; this guards the process against a future bug anyway.
      counters.sendErrors++;
    }
  });
  let closedResolve!: () => void;
  const closed = new Promise<void>((r) => (closedResolve = r));
  let isClosed = false;
  const local = socket.address();
  return {
    address: formatAddress(local.address, local.port),
    counters,
    closed,
    send(to, packet) {
      if (isClosed) return;
      if (packet.length > maxPacketBytes) {
        counters.droppedOversized++;
        return;
      }
      const dst = parseAddress(to);
      if (!dst) {
        counters.droppedBadAddress++;
        return;
      }
      try {
        socket.send(packet, dst.port, dst.host);
        counters.datagramsSent++;
      } catch {
        counters.sendErrors++;
      }
    },
    onPacket(h) {
      handler = h;
    },
    close() {
      if (isClosed) return;
      isClosed = true;
      handler = null;
      socket.close(() => closedResolve());
    },
  };
}

/** Wall-clock Clock for real deployments (the simulator injects a virtual one). */
export const systemClock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn: () => void, ms: number) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
};
