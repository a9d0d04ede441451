// GET from an origin or a peer seed, connecting to an address already checked by the caller (no second DNS
// lookup, so a name cannot be re-pointed between check and connect), with header and idle timeouts.
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Clock } from '../../shared/clock';
import { ProxyError } from './errors';

export interface UpstreamRequest {
  scheme: 'http' | 'https';
  /** Host name for the Host header and TLS (SNI and certificate check). */
  host: string;
  port: number;
  address: string;
  path: string;
  headers: Record<string, string>;
  headersTimeoutMs: number;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
}

export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

export function createAgents(): Agents {
  return { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) };
}

export function requestUpstream(r: UpstreamRequest, agents: Agents, clock: Clock): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const defaultPort = r.scheme === 'https' ? 443 : 80;
    const hostHeader = r.port === defaultPort ? r.host : `${r.host}:${r.port}`;
    const opts = { host: r.address, port: r.port, path: r.path, method: 'GET', headers: { ...r.headers, host: hostHeader } };
    const req =
      r.scheme === 'https'
        ? https.request({ ...opts, agent: agents.https, servername: r.host })
        : http.request({ ...opts, agent: agents.http });
    const timer = clock.setTimeout(() => {
      req.destroy();
      reject(new ProxyError('origin-timeout', `no response from ${hostHeader} within ${r.headersTimeoutMs} ms`));
    }, r.headersTimeoutMs);
    req.on('response', (res) => {
      clock.clearTimeout(timer);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    req.on('error', (err) => {
      clock.clearTimeout(timer);
      reject(new ProxyError('origin-unreachable', `${hostHeader}: ${err.message}`));
    });
    req.end();
  });
}

/**
 * Reads a body to the end, refusing more than `maxBytes` (whatever Content-Length said) and a silence longer
 * than `idleTimeoutMs`; `onChunk` sees each piece as it arrives.
 */
export function readBody(
  res: IncomingMessage,
  o: { maxBytes: number; idleTimeoutMs: number; clock: Clock; onChunk?: (b: Buffer) => void },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    let timer: unknown = null;
    let settled = false;
    const fail = (e: ProxyError) => {
      if (settled) return;
      settled = true; // before destroy(): it may emit 'aborted' synchronously, which must not win
      o.clock.clearTimeout(timer);
      reject(e);
      res.destroy();
    };
    const arm = () => {
      o.clock.clearTimeout(timer);
      timer = o.clock.setTimeout(() => fail(new ProxyError('origin-timeout', `body stalled for ${o.idleTimeoutMs} ms`)), o.idleTimeoutMs);
    };
    arm();
    res.on('data', (b: Buffer) => {
      if (settled) return;
      n += b.length;
      if (n > o.maxBytes) return fail(new ProxyError('too-large', `object exceeds ${o.maxBytes} bytes`));
      parts.push(b);
      o.onChunk?.(b);
      arm();
    });
    res.on('end', () => {
      if (settled) return;
      settled = true;
      o.clock.clearTimeout(timer);
      if (!res.complete) return reject(new ProxyError('origin-unreachable', 'body ended early'));
      resolve(parts.length === 1 ? parts[0] : Buffer.concat(parts, n));
    });
    res.on('aborted', () => fail(new ProxyError('origin-unreachable', 'connection closed mid-body')));
    res.on('error', (err) => fail(new ProxyError('origin-unreachable', err.message)));
  });
}

/** The declared Content-Length, or null when absent or malformed. */
export function contentLength(h: IncomingHttpHeaders): number | null {
  const v = h['content-length'];
  return typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : null;
}
