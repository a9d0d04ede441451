// A real SignalRelay between tracker processes: HTTP POST to the other tracker's
// `${TRACKER_PATH}/relay`, authenticated by HMAC-SHA256 over the body with a shared secret and a
// timestamp inside the body (stale requests are refused). The seed node will replace this with the
// Coral index's application RPCs; standalone trackers in one deployment can use it as is.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { TRACKER_PATH, clientSchemas, peerIdSchema, trackerRefSchema, type TrackerRef } from '../shared/tracker/protocol';
import type { Clock } from '../shared/clock';
import type { RelayedSignal, SignalRelay, SignalSink } from './signal-relay';

export const RELAY_PATH = `${TRACKER_PATH}/relay`;
export const HTTP_RELAY_DEFAULTS = { timeoutMs: 5_000, maxSkewMs: 30_000, maxBodyBytes: 64 * 1024 };
const MAC_HEADER = 'x-reef-relay-mac';

const relayBodySchema = z.object({
  ts: z.number(),
  msg: z.object({
    from: peerIdSchema,
    fromTracker: trackerRefSchema,
    to: peerIdSchema,
    sid: clientSchemas.signal.shape.sid,
    data: clientSchemas.signal.shape.data,
  }),
});

function mac(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

export class HttpSignalRelay implements SignalRelay {
  private readonly o: typeof HTTP_RELAY_DEFAULTS;
  constructor(
    private readonly secret: string,
    private readonly clock: Clock,
    opts: Partial<typeof HTTP_RELAY_DEFAULTS> = {},
  ) {
    this.o = { ...HTTP_RELAY_DEFAULTS, ...opts };
  }

  async relay(toTracker: TrackerRef, message: RelayedSignal): Promise<boolean> {
    const body = JSON.stringify({ ts: this.clock.now(), msg: message });
    try {
      const res = await fetch(`http://${toTracker.addr}${RELAY_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [MAC_HEADER]: mac(this.secret, body).toString('hex') },
        body,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      if (!res.ok) return false;
      const out = (await res.json()) as { delivered?: unknown };
      return out.delivered === true;
    } catch {
      return false; // unreachable tracker = undeliverable signal, never an exception
    }
  }
}

/** Returns a request handler; it answers RELAY_PATH requests and returns false for any other path. */
export function createRelayHandler(
  sink: SignalSink,
  secret: string,
  clock: Clock,
  opts: Partial<typeof HTTP_RELAY_DEFAULTS> = {},
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const o = { ...HTTP_RELAY_DEFAULTS, ...opts };
  const answer = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  return (req, res) => {
    if ((req.url ?? '').split('?')[0] !== RELAY_PATH) return false;
    if (req.method !== 'POST') {
      answer(res, 405, { error: 'method-not-allowed' });
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > o.maxBodyBytes) {
        answer(res, 413, { error: 'too-large' });
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (size > o.maxBodyBytes) return;
      const body = Buffer.concat(chunks).toString('utf8');
      const given = Buffer.from(String(req.headers[MAC_HEADER] ?? ''), 'hex');
      const want = mac(secret, body);
      if (given.length !== want.length || !timingSafeEqual(given, want)) return answer(res, 401, { error: 'bad-mac' });
      let parsed: ReturnType<typeof relayBodySchema.safeParse>;
      try {
        parsed = relayBodySchema.safeParse(JSON.parse(body));
      } catch {
        return answer(res, 400, { error: 'bad-json' });
      }
      if (!parsed.success) return answer(res, 400, { error: 'bad-message' });
      if (Math.abs(clock.now() - parsed.data.ts) > o.maxSkewMs) return answer(res, 401, { error: 'stale' });
      answer(res, 200, { delivered: sink.acceptRelayedSignal(parsed.data.msg) });
    });
    req.on('error', () => {});
    return true;
  };
}
