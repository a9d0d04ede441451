// A tracker on its own HTTP port: what `reef tracker`, tests and the bench run.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TRACKER_PATH } from '../shared/tracker/protocol';
import { systemClock, type Clock } from '../shared/clock';
import type { TrackerConfig } from './config';
import { MemoryContentIndex, type ContentIndex } from './content-index';
import { Tracker, type TrackerLogger } from './core';
import { createRelayHandler, HttpSignalRelay } from './http-relay';
import type { SignalRelay } from './signal-relay';
import { attachTracker } from './ws-front';
import { holdTickObjectShape } from '../shared/platform/tick-object-shape';

export interface TrackerServerOptions {
  host?: string;
  port?: number;
  /** 40 hex chars; random by default. */
  trackerId?: string;
  config?: Partial<TrackerConfig>;
  /** Defaults to a fresh MemoryContentIndex. */
  index?: ContentIndex;
  /** Explicit relay; otherwise an HttpSignalRelay when relaySecret is set, else none. */
  relay?: SignalRelay;
  /** Shared secret of trackers that relay signals to each other over HTTP. */
  relaySecret?: string;
  clock?: Clock;
  log?: TrackerLogger;
}

export interface TrackerServer {
  readonly url: string;
  readonly port: number;
  readonly tracker: Tracker;
  readonly index: ContentIndex;
  readonly http: Server;
  close(): Promise<void>;
}

export async function startTrackerServer(opts: TrackerServerOptions = {}): Promise<TrackerServer> {
  holdTickObjectShape(); // every reply runs a nextTick or more: see the module
  const host = opts.host ?? '127.0.0.1';
  const clock = opts.clock ?? systemClock;
  let onRequest: ((req: IncomingMessage, res: ServerResponse) => boolean) | null = null;
  const http = createServer((req, res) => {
    if (onRequest?.(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain' }).end('reef tracker: WebSocket at ' + TRACKER_PATH + '\n');
  });
  // Many browsers per tracker: do not let idle keep-alive HTTP sockets pile up.
  http.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const ownIndex = opts.index ? null : new MemoryContentIndex(clock);
  const index = opts.index ?? ownIndex!;
  const relay = opts.relay ?? (opts.relaySecret ? new HttpSignalRelay(opts.relaySecret, clock) : undefined);
  const tracker = new Tracker(
    { clock, index, relay, log: opts.log, self: { id: opts.trackerId ?? randomBytes(20).toString('hex'), addr: `${hostPart}:${port}` } },
    opts.config,
  );
  if (opts.relaySecret) onRequest = createRelayHandler(tracker, opts.relaySecret, clock);
  const front = attachTracker(tracker, http);
  tracker.start();
  return {
    url: `ws://${hostPart}:${port}${TRACKER_PATH}`,
    port,
    tracker,
    index,
    http,
    async close() {
      await tracker.stop();
      await front.close();
      ownIndex?.close();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}
