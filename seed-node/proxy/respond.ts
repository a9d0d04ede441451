// Writing answers to clients: errors, stored objects (with Range and If-None-Match), and in-flight streams
// read at the client's own pace.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { HeaderRecord } from './cache-policy';
import type { ProxyError } from './errors';
import type { Flight, CacheSource } from './flight';
import type { ObjectStore, StoredObject } from './store';

/** Where served bytes are charged (quotas, counters). */
export type OnBytes = (n: number) => void;

export function sendError(res: ServerResponse, err: ProxyError, via: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `reef proxy: ${err.code}: ${err.message}\n`;
  res.writeHead(err.status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-reef-error': err.code,
    via,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export function clientHeaders(h: HeaderRecord, source: CacheSource, ageMs: number, via: string): OutgoingHttpHeaders {
  return { ...h, age: ageSeconds(ageMs), 'x-cache': source, via };
}

/** A single `bytes=` range as [start, end] inclusive; null to send the whole body; 'bad' if unsatisfiable. */
export function parseRange(header: string | undefined, size: number): [number, number] | null | 'bad' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // multiple or odd ranges: answer with the whole object
  if (m[1] === '') {
    const n = Number(m[2]);
    return n === 0 || size === 0 ? 'bad' : [Math.max(0, size - n), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'bad';
  return [start, end];
}

function etagMatches(list: string, etag: string): boolean {
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return list.trim() === '*' || list.split(',').some((t) => bare(t) === bare(etag));
}

/** Whole-body 200 header lines per stored header record, as a flat [name, value, ...] list; the last three
 * values (Age, X-Cache, Via) are filled in per response. Keyed by the record, which a refresh replaces. */
const fullHeaders = new WeakMap<HeaderRecord, string[]>();

function prebuilt(h: HeaderRecord, size: number): string[] {
  let lines = fullHeaders.get(h);
  if (!lines) {
    lines = [];
    for (const name of Object.keys(h)) if (name !== 'content-length') lines.push(name, h[name]);
    lines.push('content-length', String(size), 'accept-ranges', 'bytes', 'age', '', 'x-cache', '', 'via', '');
    fullHeaders.set(h, lines);
  }
  return lines;
}

function ageSeconds(ageMs: number): string {
  return String(Math.max(0, Math.floor(ageMs / 1000)));
}

/** A stored object (or its requested range, or a 304) to the client. Returns the body bytes written at once (from
 * memory), for the caller to charge with the clock reading it already has; bytes streamed later from disk are
 * charged through onBytes as they go. */
export function serveStored(
  req: IncomingMessage,
  res: ServerResponse,
  store: ObjectStore,
  obj: StoredObject,
  source: CacheSource,
  ageMs: number,
  via: string,
  stale: boolean,
  onBytes: OnBytes,
): number {
  const rh = req.headers;
  const mem = store.memoryBody(obj);
  // The common hit: whole body, in memory, no conditions. The prebuilt list is written out by writeHead
  // before anything else runs, so filling in its per-response slots is safe.
  if (mem && !stale && rh.range === undefined && rh['if-none-match'] === undefined) {
    const lines = prebuilt(obj.headers, obj.size);
    const n = lines.length;
    lines[n - 5] = ageSeconds(ageMs);
    lines[n - 3] = source;
    lines[n - 1] = via;
    res.writeHead(200, lines);
    if (req.method === 'HEAD') {
      res.end();
      return 0;
    }
    res.end(mem);
    return mem.length;
  }
  const headers = clientHeaders(obj.headers, source, ageMs, via);
  headers['accept-ranges'] = 'bytes';
  if (stale) headers.warning = '110 - "Response is Stale"';
  const etag = obj.headers.etag;
  const inm = rh['if-none-match'];
  if (etag !== undefined && typeof inm === 'string' && etagMatches(inm, etag)) {
    delete headers['content-length'];
    res.writeHead(304, headers);
    res.end();
    return 0;
  }
  const ifRange = rh['if-range'];
  let range = parseRange(rh.range, obj.size);
  if (range !== null && ifRange !== undefined && ifRange !== etag && ifRange !== obj.headers['last-modified']) range = null;
  if (range === 'bad') {
    delete headers['content-length'];
    res.writeHead(416, { ...headers, 'content-range': `bytes */${obj.size}`, 'content-length': 0 });
    res.end();
    return 0;
  }
  const [start, end] = range ?? [0, obj.size - 1];
  const length = obj.size === 0 ? 0 : end - start + 1;
  headers['content-length'] = String(length);
  if (range) headers['content-range'] = `bytes ${start}-${end}/${obj.size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return 0;
  }
  if (mem) {
    res.end(range ? mem.subarray(start, end + 1) : mem);
    return length;
  }
  const file = store.stream(obj, start, end);
  file.on('data', (b) => onBytes((b as Buffer).length));
  file.on('error', () => res.destroy());
  res.on('close', () => file.destroy());
  file.pipe(res);
  return 0;
}

/** Streams a flight's body from its first byte, pausing this client (not the flight) when its socket is full. */
export function streamFlight(res: ServerResponse, flight: Flight, onBytes: OnBytes): void {
  let next = 0;
  let waitingDrain = false;
  const pump = () => {
    if (waitingDrain || res.destroyed) return;
    const chunks = flight.chunks;
    while (next < chunks.length) {
      const c = chunks[next++];
      onBytes(c.length);
      if (!res.write(c)) {
        waitingDrain = true;
        res.once('drain', () => {
          waitingDrain = false;
          pump();
        });
        return;
      }
    }
    if (flight.state === 'ended') res.end();
    else if (flight.state === 'failed') res.destroy(); // headers are out: a cut connection is the only honest signal
  };
  const unsubscribe = flight.subscribe(pump);
  res.on('close', unsubscribe);
  pump();
}
