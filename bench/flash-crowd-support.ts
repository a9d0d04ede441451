// Shared by bench/flash-crowd.ts (the conductor) and bench/flash-crowd-worker.ts (a process of peers):
// the IPC messages, a plain node:http GET that can reach a seed proxy by name, percentiles and the SVG plot.
import { Agent, request } from 'node:http';

export type Scenario = 'reef' | 'proxies' | 'origin';
export const SCENARIOS: Scenario[] = ['reef', 'proxies', 'origin'];
export const SCENARIO_LABEL: Record<Scenario, string> = {
  reef: 'Reef (peers + seed proxies)',
  proxies: 'seed proxies only (CoralCDN-style)',
  origin: 'origin only (no Reef)',
};

export interface SeedAddr {
  /** Loopback address the seed listens on, e.g. 127.0.1.1. */
  host: string;
  httpPort: number;
  tracker: string;
}

export interface PeerPlan {
  id: number;
  /** Epoch ms at which this visitor arrives. */
  atMs: number;
  seed: number;
}

export type ToWorker =
  | { type: 'start'; scenario: Scenario; peers: PeerPlan[]; seeds: SeedAddr[]; originUrl: string; zone: string; manifestPath: string; pageTimeoutMs: number }
  | { type: 'stop' };

export interface PeerDone {
  type: 'done';
  id: number;
  startMs: number;
  endMs: number;
  ok: boolean;
  error?: string;
  /** Page bytes received, by where they came from (the engine's verified-chunk counts, or the HTTP source). */
  source: { peer: number; seed: number; origin: number; cache: number };
}

export type FromWorker = { type: 'ready' } | PeerDone | { type: 'stopped'; uploadedBytes: number };

/** The proxy name of an origin under a zone: `<origin-host>[.<port>].<zone>` (docs/proxy.md). */
export function proxyName(originUrl: string, zone: string): string {
  const u = new URL(originUrl);
  return `${u.hostname}${u.port ? '.' + u.port : ''}.${zone}`;
}

/** URL of a path through a seed's proxy: the name in the host, the seed's HTTP port. */
export function seedProxyUrl(seed: SeedAddr, originUrl: string, zone: string, path: string): string {
  return `http://${proxyName(originUrl, zone)}:${seed.httpPort}${path}`;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/**
 * GET over node:http. Names under `zone` are connected to the seed whose HTTP port the URL names (every seed
 * has its own port), with the name as the Host header, so no resolver for `*.<zone>` is needed on loopback.
 */
export function httpGet(
  url: string,
  opts: { range?: [number, number]; signal?: AbortSignal; zone?: string; seedsByPort?: Map<number, string> } = {},
): Promise<{ status: number; body: Uint8Array }> {
  const u = new URL(url);
  const port = Number(u.port || 80);
  let connectHost = u.hostname === 'localhost' ? '127.0.0.1' : u.hostname;
  if (opts.zone && u.hostname.endsWith('.' + opts.zone)) {
    const host = opts.seedsByPort?.get(port);
    if (!host) return Promise.reject(new Error(`no seed on port ${port}`));
    connectHost = host;
  }
  const headers: Record<string, string> = { host: u.host };
  if (opts.range) headers.range = `bytes=${opts.range[0]}-${opts.range[1]}`;
  return new Promise((resolve, reject) => {
    const req = request({ host: connectHost, port, path: u.pathname + u.search, method: 'GET', headers, agent, signal: opts.signal }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: new Uint8Array(Buffer.concat(parts)) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Nearest-rank percentile of an unsorted list (NaN when empty). */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Runs `fns` with at most `limit` in flight (a browser opens about six connections per host). */
export async function withLimit<T>(limit: number, fns: Array<() => Promise<T>>): Promise<T[]> {
  const out: T[] = new Array(fns.length);
  let next = 0;
  const lane = async () => {
    while (next < fns.length) {
      const i = next++;
      out[i] = await fns[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, fns.length) }, lane));
  return out;
}

const COLORS: Record<Scenario, string> = { reef: '#2b8a3e', proxies: '#1864ab', origin: '#c92a2a' };

/**
 * Two panels, one polyline per scenario: origin requests per second, and origin requests so far (the
 * cumulative load). Hand-written SVG, no dependency.
 */
export function originRequestsSvg(series: Record<Scenario, number[]>, title: string): string {
  const cumulative = Object.fromEntries(
    SCENARIOS.map((s) => {
      let total = 0;
      return [s, series[s].map((v) => (total += v))];
    }),
  ) as Record<Scenario, number[]>;
  const W = 760;
  const P = 330;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${2 * P + 30}" viewBox="0 0 ${W} ${2 * P + 30}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${2 * P + 30}" fill="#fff"/>`);
  parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`);
  parts.push(panel(series, 'origin requests per second', W, 30, P));
  parts.push(panel(cumulative, 'origin requests so far', W, 30 + P, P));
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function panel(series: Record<Scenario, number[]>, yLabel: string, W: number, top0: number, H: number): string {
  const L = 70;
  const R = 20;
  const T = top0 + 20;
  const bottom = top0 + H - 45;
  const seconds = Math.max(1, ...SCENARIOS.map((s) => series[s].length));
  const peak = Math.max(1, ...SCENARIOS.flatMap((s) => series[s]));
  const step = niceStep(peak / 5);
  const top = Math.ceil(peak / step) * step;
  const x = (t: number) => L + ((W - L - R) * t) / Math.max(1, seconds - 1);
  const y = (v: number) => bottom - ((bottom - T) * v) / top;
  const parts: string[] = [];
  for (let v = 0; v <= top; v += step) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#e9ecef"/>`);
    parts.push(`<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
  }
  const tStep = niceStep(seconds / 8);
  for (let t = 0; t < seconds; t += tStep) parts.push(`<text x="${x(t)}" y="${bottom + 16}" text-anchor="middle">${t}</text>`);
  parts.push(`<line x1="${L}" x2="${W - R}" y1="${bottom}" y2="${bottom}" stroke="#495057"/><line x1="${L}" x2="${L}" y1="${T}" y2="${bottom}" stroke="#495057"/>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${bottom + 34}" text-anchor="middle">seconds since the first visitor arrived</text>`);
  const mid = (T + bottom) / 2;
  parts.push(`<text x="18" y="${mid}" text-anchor="middle" transform="rotate(-90 18 ${mid})">${escapeXml(yLabel)}</text>`);
  SCENARIOS.forEach((s, k) => {
    const pts = series[s].map((v, t) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${COLORS[s]}" stroke-width="1.8" points="${pts}"/>`);
    parts.push(`<rect x="${L + 12}" y="${T + 4 + k * 18}" width="14" height="3" fill="${COLORS[s]}"/>`);
    parts.push(`<text x="${L + 32}" y="${T + 10 + k * 18}">${escapeXml(SCENARIO_LABEL[s])}</text>`);
  });
  return parts.join('\n');
}

function niceStep(raw: number): number {
  if (raw <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
