// The load generator's WebSocket client: plain `net` sockets, the RFC 6455 handshake once per socket,
// then frames written as one latin1 string each and replies cut out of the read buffer by their
// headers alone. It does a fraction of the `ws` client's work per message, so the generator takes
// less CPU from the tracker it measures (it is the same client for both trackers). Load-generator
// only: it sends ASCII text frames, a fixed all-zero mask key (legal, and unmasking is then a no-op),
// and expects unfragmented, unmasked server frames.
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const KEY = 'cmVlZi1sb2FkLWdlbi0xNg=='; // any 16 bytes base64; fixed, so the accept value is too
const ACCEPT = createHash('sha1').update(KEY + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
const MASK = '\0\0\0\0';

/** Every socket of a process reads into this one buffer: replies are handled before the next read. */
const readBuffer = Buffer.allocUnsafe(256 * 1024);

/** A text frame from the server: `buf[start, end)` is valid only during the callback. */
export type OnText = (buf: Buffer, start: number, end: number) => void;

export class RawWs {
  open = false;
  private readonly socket: Socket;
  private handshake: string | null = '';
  /** Bytes of an incomplete frame, copied out of the shared read buffer. */
  private rest: Buffer | null = null;

  constructor(url: URL, onText: OnText, onOpen: () => void, onClose: () => void) {
    this.socket = connect({
      host: url.hostname,
      port: Number(url.port),
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (n: number, buf: Uint8Array) => {
          this.onBytes(buf as Buffer, n, onText, onOpen);
          return true;
        },
      },
    });
    this.socket.on('connect', () => {
      this.socket.write(
        `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.open = false;
      onClose();
    });
  }

  /** Sends one text frame; `text` must be ASCII (its length is its byte count). */
  send(text: string): void {
    const n = text.length;
    const head =
      n < 126
        ? String.fromCharCode(0x81, 0x80 | n)
        : n < 65536
          ? String.fromCharCode(0x81, 0x80 | 126, n >> 8, n & 0xff)
          : (() => {
              throw new Error('frame too large for the load generator');
            })();
    this.socket.write(head + MASK + text, 'latin1');
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onBytes(buf: Buffer, n: number, onText: OnText, onOpen: () => void): void {
    let start = 0;
    if (this.handshake !== null) {
      this.handshake += buf.toString('latin1', 0, n);
      const endOfHead = this.handshake.indexOf('\r\n\r\n');
      if (endOfHead < 0) return;
      const head = this.handshake.slice(0, endOfHead);
      if (!head.startsWith('HTTP/1.1 101') || !head.includes(ACCEPT)) {
        this.socket.destroy();
        return;
      }
      // Frames that came in the same read as the response head follow it.
      start = n - (this.handshake.length - endOfHead - 4);
      this.handshake = null;
      this.open = true;
      onOpen();
    }
    this.frames(buf, start, n, onText);
  }

  private frames(input: Buffer, from: number, to: number, onText: OnText): void {
    let buf = input;
    let p = from;
    let end = to;
    if (this.rest) {
      buf = Buffer.concat([this.rest, input.subarray(from, to)]);
      p = 0;
      end = buf.length;
      this.rest = null;
    }
    while (end - p >= 2) {
      const b0 = buf[p];
      let len = buf[p + 1];
      let h = 2;
      if (len & 0x80) return void this.socket.destroy(); // a server must not mask
      if (len === 126) {
        if (end - p < 4) break;
        len = buf.readUInt16BE(p + 2);
        h = 4;
      } else if (len === 127) {
        if (end - p < 10) break;
        len = buf.readUInt32BE(p + 2) * 2 ** 32 + buf.readUInt32BE(p + 6);
        h = 10;
      }
      if (end - p < h + len) break;
      const op = b0 & 0x0f;
      if (op === 1 && b0 & 0x80) onText(buf, p + h, p + h + len);
      else if (op === 9) this.socket.write(String.fromCharCode(0x8a, 0x80 | len) + MASK + buf.toString('latin1', p + h, p + h + len), 'latin1'); // pong
      else if (op === 8) {
        this.open = false;
        this.socket.end();
        return;
      } else if (op !== 10) return void this.socket.destroy(); // fragments: neither tracker sends them
      p += h + len;
    }
    if (p < end) this.rest = Buffer.from(buf.subarray(p, end));
  }
}
