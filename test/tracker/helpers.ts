// Test helpers for the tracker suites: real servers on 127.0.0.1, real clients, SRI values.
import { createHash, randomBytes } from 'node:crypto';
import { TrackerClient } from '../../tracker/client';
import { startTrackerServer, type TrackerServer, type TrackerServerOptions } from '../../tracker/server';

export function sri(content: string | Uint8Array = randomBytes(16)): string {
  return 'sha256-' + createHash('sha256').update(content).digest('base64');
}

export function peerId(name: string): string {
  return `peer-${name}`.padEnd(8, '0');
}

const open: { servers: TrackerServer[]; clients: TrackerClient[] } = { servers: [], clients: [] };

export async function server(opts: TrackerServerOptions = {}): Promise<TrackerServer> {
  const s = await startTrackerServer({ host: '127.0.0.1', port: 0, ...opts });
  open.servers.push(s);
  return s;
}

export async function client(url: string, name?: string, rtts?: { seed: string; rttMs: number }[]): Promise<TrackerClient> {
  const c = await TrackerClient.connect(url);
  open.clients.push(c);
  if (name) await c.hello({ peerId: peerId(name), rtts });
  return c;
}

/** Closes everything the helpers opened (call in afterEach). */
export async function closeAll(): Promise<void> {
  await Promise.all(open.clients.splice(0).map((c) => c.close()));
  await Promise.all(open.servers.splice(0).map((s) => s.close()));
}

export async function until(pred: () => boolean, timeoutMs = 3_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
