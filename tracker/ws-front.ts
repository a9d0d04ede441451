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
  /** Corked sockets flushed at once before the end of the event-loop turn (bounds the batch's delay). */
  maxCorkedSockets: 512,
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

  // Replies are written corked and flushed together once this turn's incoming frames are handled:
  // one syscall per socket per turn instead of one per reply, and the writes go out back to back, so
  // a client process is woken once per batch (a wake-up costs more than the write itself).
  const corked: Duplex[] = [];
  const flush = () => {
    for (const socket of corked) socket.uncork();
    corked.length = 0;
  };
  const cork = (socket: Duplex) => {
    if (socket.writableCorked > 0) return;
    socket.cork();
    if (corked.push(socket) === 1) setImmediate(flush);
    else if (corked.length >= o.maxCorkedSockets) flush();
  };

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const socket = req.socket; // the upgraded socket ws writes to
    const session = tracker.connect({
      send: (text) => {
        if (ws.bufferedAmount > o.maxBufferedBytes) {
          ws.terminate();
          return;
        }
        cork(socket);
        ws.send(text);
      },
      close: (code, reason) => ws.close(code, reason),
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
