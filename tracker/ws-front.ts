// The WebSocket front: moves frames between `ws` sockets and the sans-I/O Tracker core.
// Attaches to an existing http.Server (the seed's HTTP port) at TRACKER_PATH.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { TRACKER_PATH } from '../shared/tracker/protocol';
import type { Tracker } from './core';

export const WS_FRONT_DEFAULTS = {
  path: TRACKER_PATH,
  /** Frames this large are cut off by ws itself (close 1009); smaller oversize frames get an error reply. */
  hardMaxPayloadBytes: 0, // 0 = 4 x tracker maxMessageBytes
  /** A client that does not read its replies is disconnected rather than buffered without bound. */
  maxBufferedBytes: 1024 * 1024,
  /** Replies held for the end of the event-loop turn at most (bounds the batch's delay). */
  maxBatchedReplies: 512,
};

export interface AttachedTracker {
  readonly wss: WebSocketServer;
  close(): Promise<void>;
}

export function attachTracker(
  tracker: Tracker,
  server: Server,
  opts: Partial<typeof WS_FRONT_DEFAULTS> = {},
): AttachedTracker {
  const o = { ...WS_FRONT_DEFAULTS, ...opts };
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: o.hardMaxPayloadBytes || 4 * tracker.cfg.maxMessageBytes,
    perMessageDeflate: false, // compression costs CPU per frame and opens zip-bomb tricks
    // The protocol parser decodes UTF-8 itself (fatal) and answers `bad-encoding`: one pass, not two.
    skipUTF8Validation: true,
    clientTracking: true,
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== o.path) {
      // Someone else on this server may handle other paths; if nobody does, refuse.
      if (server.listenerCount('upgrade') === 1) socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  // Replies wait for the end of the event-loop turn and then go out back to back, so a client process
  // is woken once per batch (a wake-up costs more than the write itself). Not socket.cork(): uncorking
  // leaves a fresh array on each socket's stream state, and those outlive young-generation GCs.
  const pending: Array<Duplex | string | Buffer> = []; // socket, frame, socket, frame, ...
  const flush = () => {
    for (let i = 0; i < pending.length; i += 2) {
      const socket = pending[i] as Duplex;
      const frame = pending[i + 1] as string | Buffer;
      if (!socket.destroyed) socket.write(frame, 'latin1'); // the encoding applies to string frames only
    }
    pending.length = 0;
  };
  const queue = (socket: Duplex, frame: string | Buffer) => {
    if (pending.push(socket, frame) === 2) setImmediate(flush);
    else if (pending.length >= 2 * o.maxBatchedReplies) flush();
  };

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const socket = req.socket; // the upgraded socket ws writes to
    const session = tracker.connect({
      send: (text) => {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > o.maxBufferedBytes) {
          ws.terminate();
          return;
        }
        // One whole frame per reply, written straight to the socket: ws.send writes a header and the
        // payload as two chunks (a writev through the stream's buffer, leaving garbage as above).
        // Unmasked, unfragmented, uncompressed text frames (RFC 6455 §5.2) are all this tracker sends;
        // ws still owns the socket (close, ping/pong) and writes its own frames in order after ours.
        queue(socket, textFrame(text));
      },
      close: (code, reason) => {
        flush(); // replies queued before the close frame go out before it
        ws.close(code, reason);
      },
    });
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
      tracker.receive(session, bytes);
    });
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') tracker.metrics.tooLarge++;
      else tracker.metrics.malformed['ws-protocol'] = (tracker.metrics.malformed['ws-protocol'] ?? 0) + 1;
    });
    ws.on('close', () => void tracker.disconnect(session));
  });

  return {
    wss,
    close: () =>
      new Promise<void>((resolve) => {
        server.off('upgrade', onUpgrade);
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

/**
 * A server-to-client text frame (FIN, opcode 1, no mask) holding `text` as UTF-8. ASCII text (every
 * reply but one naming a non-ASCII cluster) comes back as one latin1 string: Node writes a string
 * through its own stack storage, while a Buffer per reply would be external memory that makes V8
 * run full GCs (20,000 replies a second fill Node's 8 KiB buffer pool 400 times a second).
 */
export function textFrame(text: string): string | Buffer {
  const length = Buffer.byteLength(text);
  if (length === text.length && length < 65_536) {
    return (length < 126 ? String.fromCharCode(0x81, length) : String.fromCharCode(0x81, 126, length >> 8, length & 0xff)) + text;
  }
  const head = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + length);
  frame[0] = 0x81;
  if (head === 2) frame[1] = length;
  else if (head === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, head, 'utf8');
  return frame;
}
