// DNS over TCP: 2-byte length-prefixed messages, several per connection (RFC 7766), idle timeout,
// and back-pressure — a client that does not read its replies is not read from either.
import type net from 'node:net';
import type { DnsLimits } from './defaults';
import type { DnsHandler } from './handler';
import type { Logger } from './log';

export function serveTcpConnection(sock: net.Socket, handler: DnsHandler, limits: DnsLimits, log: Logger): void {
  let pending = Buffer.alloc(0);
  const ip = sock.remoteAddress ?? '';
  sock.setTimeout(limits.tcpIdleTimeoutMs, () => sock.destroy());
  sock.on('error', (err) => log.debug({ err, ip }, 'dns: tcp connection error'));
  let blocked = false;
  // Answers queued frames until the client stops reading; the rest waits for 'drain'.
  const drainQueue = () => {
    while (!blocked && pending.length >= 2) {
      const len = pending.readUInt16BE(0);
      if (len > limits.maxQueryBytes) {
        // Count it like any other oversize query, then hang up: the stream cannot be resynchronised.
        handler.countRejected('DNS_ERR_TOO_LARGE', ip);
        sock.destroy();
        return;
      }
      if (pending.length < 2 + len) break;
      const msg = pending.subarray(2, 2 + len);
      pending = pending.subarray(2 + len);
      const out = handler.handle(msg, { ip, transport: 'tcp' });
      if (!out) continue;
      const frame = Buffer.allocUnsafe(2 + out.length);
      frame.writeUInt16BE(out.length, 0);
      out.copy(frame, 2);
      if (!sock.write(frame)) {
        blocked = true;
        handler.stats.tcpPaused++;
        sock.pause();
        sock.once('drain', () => {
          blocked = false;
          sock.resume();
          drainQueue();
        });
      }
    }
    // Do not keep a large concatenation alive for a few leftover bytes.
    if (pending.length > 0 && pending.buffer.byteLength > 4 * (limits.maxQueryBytes + 2)) pending = Buffer.from(pending);
  };
  sock.on('data', (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    // A paused socket can still deliver a buffered chunk; cap what a non-reading client can queue.
    if (blocked && pending.length > 64 * 1024) {
      handler.countRejected('DNS_ERR_TOO_LARGE', ip);
      sock.destroy();
      return;
    }
    drainQueue();
  });
}
